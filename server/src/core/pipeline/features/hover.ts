import * as path from 'node:path';
import { locateCells } from '../../notebook/locate';
import type { LintContext } from '../lintContext';
import { parseLock } from '../lockFile';
import type { PipelineModel, StepModel } from '../model';
import type { ParsedPipeline } from '../parse';
import { fieldDescription } from '../schemaDiagnostics';
import { targetAt } from './locate';
import { stepById } from './navigation';
import { previewValue } from '../../text/preview';

export interface HoverResult {
  markdown: string;
  start: number;
  end: number;
}

const PREVIEW_LINES = 15;
const list = (xs: string[]) => (xs.length ? xs.map((x) => `\`${x}\``).join(', ') : '—');

/** Hover text: a step's version, data and a preview of its source cells; a key's meaning; a param's use. */
export function hover(parsed: ParsedPipeline, model: PipelineModel, offset: number, context?: LintContext): HoverResult | undefined {
  const t = targetAt(parsed, model, offset);
  if (!t) return undefined;
  switch (t.kind) {
    case 'step-id':
    case 'depends-on': {
      const s = t.kind === 'step-id' ? t.step : stepById(model, t.id);
      if (!s) return undefined;
      const at = t.kind === 'step-id' ? t.step.id!.node : t.item.node;
      const base = t.step.base;
      return { markdown: stepMarkdown(s, context), start: at.start + base, end: at.end + base };
    }
    case 'param-ref':
    case 'param-def': {
      const def = model.params.get(t.name);
      const users = model.steps.filter((s) => s.params.some((p) => p.value === t.name)).map((s) => s.id?.value ?? `steps[${s.index}]`);
      const node = t.kind === 'param-ref' ? t.item.node : t.node;
      const base = t.kind === 'param-ref' ? t.step.base : 0;
      const value = def ? `\`${previewValue(def.value)}\`` : '_not defined under `params:`_';
      return { markdown: `**param \`${t.name}\`** = ${value}\n\nused by: ${list(users)}`, start: node.start + base, end: node.end + base };
    }
    case 'data': {
      const writers = model.steps.filter((s) => s.writes.some((w) => w.value === t.name)).map((s) => s.id?.value ?? '?');
      const readers = model.steps.filter((s) => s.reads.some((r) => r.value === t.name)).map((s) => s.id?.value ?? '?');
      return { markdown: `**\`${t.name}\`**\n\nwritten by: ${list(writers)}\n\nread by: ${list(readers)}`, start: t.item.node.start + t.step.base, end: t.item.node.end + t.step.base };
    }
    case 'key': {
      const doc = fieldDescription(t.path.map((p) => (typeof p === 'number' ? 0 : p)));
      if (!doc) return undefined;
      return { markdown: `**\`${t.path[t.path.length - 1]}\`**: ${doc}`, start: t.node.start + t.base, end: t.node.end + t.base };
    }
    default:
      return undefined;
  }
}

function stepMarkdown(s: StepModel, context: LintContext | undefined): string {
  const parts = [`**step \`${s.id?.value ?? '?'}\`** · v${s.version}`];
  if (s.notebook) parts.push(`promoted from \`${s.notebook.value}\`, cell${s.cells.length === 1 ? '' : 's'} ${s.cells.map((c) => (c.ref.id ? `${c.ref.index} (${c.ref.id})` : c.ref.index)).join(', ')}`);
  const writes = s.writes.map((w) => w.value);
  const updates = s.reads.map((r) => r.value).filter((r) => writes.includes(r));
  parts.push(`reads: ${list(s.reads.map((r) => r.value))} · writes: ${list(writes)}${updates.length ? ` · updates: ${list(updates)} (changed in place: read and written back)` : ''}`);
  const setup = context ? promotedSetup(s, context) : [];
  if (setup.length) parts.push(`setup carried from earlier cells, run first:\n${setup.map((l) => `- \`${l}\``).join('\n')}`);
  if (s.dependsOn.length) parts.push(`depends on: ${list(s.dependsOn.map((d) => d.value))}`);
  const preview = context && s.notebook ? cellPreview(s, context) : undefined;
  if (preview) parts.push(`\`\`\`python\n${preview}\n\`\`\``);
  return parts.join('\n\n');
}

/** The setup the lock records for the step's current version (what promotion carried into it). */
function promotedSetup(s: StepModel, context: LintContext): string[] {
  const text = context.lockText();
  if (!text || !s.id) return [];
  try {
    const record = parseLock(text, 'lock').steps[s.id.value]?.versions.find((v) => v.version === s.version && v.hash === s.hash);
    return record?.setup ?? [];
  } catch {
    return []; // a damaged lock is reported by lint
  }
}

function cellPreview(s: StepModel, context: LintContext): string | undefined {
  const nb = context.notebook(path.resolve(path.dirname(context.pipelinePath), s.notebook!.value));
  if (!nb || nb instanceof Error) return undefined;
  const sources = locateCells(nb, s.cells.map((c) => c.ref)).flatMap((l) => (l.found ? [l.cell.source] : []));
  if (!sources.length) return undefined;
  const lines = sources.join('\n\n').split('\n');
  return lines.length > PREVIEW_LINES ? [...lines.slice(0, PREVIEW_LINES), `# … ${lines.length - PREVIEW_LINES} more lines`].join('\n') : lines.join('\n');
}
