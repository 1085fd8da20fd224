import type { PipelineModel } from '../model';
import type { ParsedPipeline } from '../parse';
import type { TextEdit } from './edits';

/** The columns a run recorded for each table output of a step: [name, pandas dtype]. */
export type RecordedOutputs = Record<string, ReadonlyArray<readonly [string, string]>>;

/** A check type (the schema's `type:`) for a pandas dtype; undefined where none fits (object columns of mixed values). */
export function checkTypeOf(dtype: string): string | undefined {
  if (/^u?int\d*$/i.test(dtype) || /^U?Int\d+$/.test(dtype)) return 'int';
  if (/^float\d*$/i.test(dtype) || /^Float\d+$/.test(dtype)) return 'float';
  if (/^bool(ean)?$/i.test(dtype)) return 'bool';
  if (/^datetime64/.test(dtype)) return 'datetime';
  if (dtype === 'category') return 'category';
  if (dtype === 'string' || dtype === 'object') return 'str';
  return undefined;
}

/** A key as YAML reads it back unchanged: plain when safe, else double-quoted. */
const yamlKey = (k: string) => (/^[A-Za-z_][\w.-]*$/.test(k) && !/^(true|false|null|yes|no|on|off|y|n)$/i.test(k) ? k : JSON.stringify(k));

/**
 * A `checks:` block for a step, inserted after its last key, from the columns its last run recorded:
 * each table output at least one row, each column its recorded type (not nulls or ranges, which the
 * run did not record: a guess there would fail the next run). Tightened by hand from there. Undefined
 * when the step has checks already, is not a block mapping, or no table output was recorded.
 */
export function addChecksEdit(parsed: ParsedPipeline, model: PipelineModel, stepId: string, recorded: RecordedOutputs): TextEdit | undefined {
  const step = model.steps.find((s) => s.id?.value === stepId);
  if (!step || step.checks.length || step.node.kind !== 'map' || step.node.flow || !step.node.pairs.length) return undefined;
  const writes = new Set(step.writes.map((w) => w.value));
  const tables = Object.entries(recorded).filter(([name, columns]) => columns.length && (!writes.size || writes.has(name)));
  if (!tables.length) return undefined;
  const { lines, text } = parsed;
  const first = step.node.pairs[0].key;
  const indent = ' '.repeat(lines.positionAt(first.start + step.base).character);
  const lastEnd = Math.max(...step.node.pairs.map((p) => Math.max(p.key.end, p.value.end))) + step.base;
  const lastLine = lines.positionAt(lastEnd).line;
  const at = lastLine + 1 < lines.lineCount ? lines.offsetAt({ line: lastLine + 1, character: 0 }) : text.length;
  const out = [`${indent}checks:`];
  for (const [name, columns] of tables) {
    out.push(`${indent}  ${yamlKey(name)}:`, `${indent}    rows: {min: 1}`, `${indent}    columns:`);
    for (const [column, dtype] of columns) {
      const type = checkTypeOf(dtype);
      out.push(`${indent}      ${yamlKey(column)}: {${type ? `type: ${type}` : ''}}`);
    }
  }
  return { start: at, end: at, newText: `${at === text.length && !text.endsWith('\n') ? '\n' : ''}${out.join('\n')}\n` };
}
