import type { Lines } from '../../text/lineIndex';
import type { PipelineModel } from '../model';
import { fieldDescription, objectKeysAt } from '../schemaDiagnostics';
import { stepAt } from './locate';
import { previewValue } from '../../text/preview';

export interface CompletionItem {
  label: string;
  kind: 'key' | 'step' | 'param' | 'name';
  detail?: string;
  documentation?: string;
  insertText?: string;
}

/**
 * Completion from the text around the cursor, which may not parse while it is being typed: keys the
 * schema allows at the cursor's place (found by indentation), step ids in depends-on, param names in a
 * step's params, and names upstream steps write in reads.
 */
/** What the editor knows beyond the text: the columns the last run recorded for a step's output. */
export interface CompletionFacts {
  columns(stepId: string, output: string): Array<[name: string, type: string]>;
}

export function completions(text: string, lines: Lines, model: PipelineModel, offset: number, facts?: CompletionFacts): CompletionItem[] {
  const pos = lines.positionAt(offset);
  const before = text.slice(offset - pos.character, offset);
  const step = stepAt(model, offset) ?? stepAbove(model, offset);

  // A value after `key:` (inline or in a flow list).
  const inline = /^\s*(?:-\s+)?([\w-]+)\s*:\s*(\[[^\]]*)?[\w-]*$/.exec(before);
  if (inline && (inline[2] !== undefined || /:\s*[\w-]*$/.test(before))) {
    const items = valuesFor(inline[1], containerPath(text, lines, pos.line, indentOf(before)), model, step);
    if (items) return items;
  }
  // An item of a block list under `key:`.
  const listItem = /^(\s*)-\s+[\w-]*$/.exec(before);
  if (listItem) {
    const path = containerPath(text, lines, pos.line, listItem[1].length);
    const items = valuesFor(path[path.length - 1], path.slice(0, -1), model, step);
    if (items) return items;
  }
  // A key being typed.
  const key = /^(\s*)(-\s+)?[\w-]*$/.exec(before);
  if (key) {
    const indent = key[1].length + (key[2]?.length ?? 0);
    const path = key[2] ? [...containerPath(text, lines, pos.line, key[1].length), '#'] : containerPath(text, lines, pos.line, indent);
    const schemaPath = path.map((p) => (p === '#' ? 0 : p));
    const present = siblingKeys(text, lines, pos.line, indent);
    const output = checkedOutput(path);
    if (output && step?.id && facts) {
      return facts
        .columns(step.id.value, output)
        .filter(([name]) => !present.has(name))
        .map(([name, type]) => ({ label: name, kind: 'name', detail: `column of ${output} (${type}), as the last run recorded it`, insertText: `${name}: ` }));
    }
    return objectKeysAt(schemaPath)
      .filter((k) => !present.has(k))
      .map((k) => ({ label: k, kind: 'key', detail: 'Cellflow pipeline key', documentation: fieldDescription([...schemaPath, k]), insertText: `${k}: ` }));
  }
  return [];
}

function valuesFor(key: string | undefined, parent: string[], model: PipelineModel, step: ReturnType<typeof stepAt>): CompletionItem[] | undefined {
  const inStep = parent[0] === 'steps';
  if (key === 'depends-on' && inStep) {
    return model.steps.filter((s) => s.id && s !== step).map((s) => ({ label: s.id!.value, kind: 'step', detail: `step v${s.version}`, documentation: `writes ${s.writes.map((w) => w.value).join(', ') || 'nothing'}` }));
  }
  if (key === 'params' && inStep) {
    return [...model.params].map(([name, p]) => ({ label: name, kind: 'param', detail: `param = ${previewValue(p.value)}` }));
  }
  if (key === 'reads' && inStep) {
    const names = new Map<string, string>();
    for (const s of model.steps) if (s !== step) for (const w of s.writes) if (!names.has(w.value)) names.set(w.value, s.id?.value ?? '?');
    return [...names].map(([name, by]) => ({ label: name, kind: 'name', detail: `written by ${by}` }));
  }
  return undefined;
}

/** The output whose `columns:` the path is in (`steps.#.checks.<output>.columns`), if it is. */
function checkedOutput(path: string[]): string | undefined {
  const at = path.indexOf('checks');
  return path[0] === 'steps' && at > 0 && path.length === at + 3 && path[at + 2] === 'columns' ? path[at + 1] : undefined;
}

/** The step whose block the cursor is in when the cursor is past the step's last parsed node. */
function stepAbove(model: PipelineModel, offset: number) {
  let found;
  for (const s of model.steps) if (s.node.start + s.base <= offset) found = s;
  return found;
}

function indentOf(line: string): number {
  return line.length - line.trimStart().length;
}

/**
 * The keys enclosing column `indent` of `line`, from the top: ['steps', '#', 'source'] for a key in a
 * step's source mapping ('#' stands for a list item). Found by indentation, so it works on text that
 * does not parse yet.
 */
export function containerPath(text: string, lines: Lines, line: number, indent: number): string[] {
  const path: string[] = [];
  let cur = indent;
  for (let l = line - 1; l >= 0 && cur > 0; l--) {
    const content = text.slice(lines.offsetAt({ line: l, character: 0 }), lines.lineEnd(l));
    if (!content.trim() || content.trimStart().startsWith('#')) continue;
    const m = /^(\s*)(-\s+)?(?:([^\s:#'"\-[\]{},][^:#]*?)\s*:(?=\s|$))?/.exec(content)!;
    const ind = m[1].length;
    if (ind >= cur) continue;
    if (m[2]) {
      const contentCol = ind + m[2].length;
      if (m[3] && cur > contentCol) path.unshift(m[3]);
      path.unshift('#');
      cur = ind;
      continue;
    }
    if (m[3]) {
      path.unshift(m[3]);
      cur = ind;
    }
  }
  return path;
}

/** Keys already set in the mapping the cursor is in (same indentation, same block). */
function siblingKeys(text: string, lines: Lines, line: number, indent: number): Set<string> {
  const keys = new Set<string>();
  const scan = (from: number, step: number) => {
    for (let l = from; l >= 0 && l < lines.lineCount; l += step) {
      const content = text.slice(lines.offsetAt({ line: l, character: 0 }), lines.lineEnd(l));
      if (!content.trim() || content.trimStart().startsWith('#')) continue;
      const m = /^(\s*)(-\s+)?([^\s:#][^:#]*?)?\s*:(?=\s|$)/.exec(content);
      const ind = (m?.[1].length ?? indentOf(content)) + (m?.[2]?.length ?? 0);
      if (ind < indent || (m?.[2] && ind === indent && step > 0)) break;
      if (ind === indent && m?.[3]) keys.add(m[3]);
      if (m?.[2] && ind === indent) break;
    }
  };
  scan(line - 1, -1);
  scan(line + 1, 1);
  return keys;
}
