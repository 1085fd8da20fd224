import type { Diagnostic } from '../../diagnostic';
import type { YNode } from '../../yaml/nodes';
import type { PipelineModel } from '../model';
import type { ParsedPipeline } from '../parse';
import type { TextEdit } from './edits';

export interface CodeAction {
  title: string;
  diagnostic: Diagnostic;
  edits?: TextEdit[];
  /** An editor command instead of edits (re-promotion needs the notebook the editor holds). */
  command?: { command: string; title: string; arguments: unknown[] };
  preferred?: boolean;
}

/** The argument of the editor's re-promote command when it comes from a pipeline file. */
export interface RepromoteFromPipeline {
  pipelinePath: string;
  stepId: string;
  notebook: string;
}

/**
 * Quick fixes for diagnostics: re-promote a stale step (or one whose code file is missing or was
 * edited by hand), add a missing param, remove an unknown key or rename it to the key it was meant to
 * be, and fix a mistyped step id.
 */
export function codeActions(parsed: ParsedPipeline, model: PipelineModel, diagnostics: Diagnostic[], pipelinePath: string | undefined): CodeAction[] {
  const out: CodeAction[] = [];
  const { lines } = parsed;
  for (const d of diagnostics) {
    const start = lines.offsetAt(d.range.start);
    const end = lines.offsetAt(d.range.end);
    const data = d.data ?? {};
    switch (d.code) {
      case 'unknown-step':
        suggest(out, 'Change to', d, data, start, end);
        break;
      case 'unknown-key':
        suggest(out, 'Rename to', d, data, start, end);
        removeKeyAction(out, parsed, model, d, data, start);
        break;
      case 'unknown-param':
        suggest(out, 'Change to', d, data, start, end);
        addParamAction(out, parsed, model, d, data);
        break;
      case 'stale-step':
      case 'missing-code-file':
      case 'code-edited':
        repromoteAction(out, d, data, pipelinePath);
        break;
      default:
        break;
    }
  }
  return out;
}

type DiagnosticData = NonNullable<Diagnostic['data']>;

/** `<verb> \`suggestion\``, replacing the diagnostic's range, where the diagnostic has a suggestion. */
function suggest(out: CodeAction[], verb: string, d: Diagnostic, data: DiagnosticData, start: number, end: number): void {
  if (typeof data.suggestion === 'string') out.push({ title: `${verb} \`${data.suggestion}\``, diagnostic: d, edits: [{ start, end, newText: data.suggestion }], preferred: true });
}

/** Remove an unknown key's lines, with its value. */
function removeKeyAction(out: CodeAction[], parsed: ParsedPipeline, model: PipelineModel, d: Diagnostic, data: DiagnosticData, start: number): void {
  const { lines, text } = parsed;
  const pair = pairAt(parsed, model, start);
  if (!pair) return;
  const from = lines.offsetAt({ line: lines.positionAt(pair.keyStart).line, character: 0 });
  const lastLine = lines.positionAt(pair.valueEnd).line;
  const to = lastLine + 1 < lines.lineCount ? lines.offsetAt({ line: lastLine + 1, character: 0 }) : text.length;
  // Only when the key starts its own line: `- key: v` would take the list item with it.
  if (text.slice(from, pair.keyStart).trim() === '') out.push({ title: `Remove \`${typeof data.key === 'string' ? data.key : 'the key'}\``, diagnostic: d, edits: [{ start: from, end: to, newText: '' }] });
}

function addParamAction(out: CodeAction[], parsed: ParsedPipeline, model: PipelineModel, d: Diagnostic, data: DiagnosticData): void {
  if (typeof data.param !== 'string') return;
  const edit = addParamEdit(parsed, model, data.param);
  if (edit) out.push({ title: `Add param \`${data.param}\` to \`params:\``, diagnostic: d, edits: [edit] });
}

function repromoteAction(out: CodeAction[], d: Diagnostic, data: DiagnosticData, pipelinePath: string | undefined): void {
  if (!pipelinePath || typeof data.stepId !== 'string' || typeof data.notebook !== 'string') return;
  const args: RepromoteFromPipeline = { pipelinePath, stepId: data.stepId, notebook: data.notebook };
  const title = repromoteTitle(d.code, data.stepId);
  out.push({ title, diagnostic: d, command: { command: 'cellflow.repromoteFromPipeline', title, arguments: [args] }, preferred: d.code === 'stale-step' });
}

function repromoteTitle(code: Diagnostic['code'], stepId: string): string {
  if (code === 'stale-step') return `Re-promote \`${stepId}\` from its changed cells`;
  if (code === 'code-edited') return `Re-promote \`${stepId}\`, replacing the hand edits`;
  return `Re-promote \`${stepId}\` to write its code file`;
}

/** The key/value pair whose key starts at `offset`, anywhere in the document. */
function pairAt(parsed: ParsedPipeline, model: PipelineModel, offset: number): { keyStart: number; valueEnd: number } | undefined {
  const search = (node: YNode, base: number): { keyStart: number; valueEnd: number } | undefined => {
    if (node.kind === 'map') {
      for (const { key, value } of node.pairs) {
        if (key.start + base === offset) return { keyStart: key.start + base, valueEnd: Math.max(key.end, value.end) + base };
        const inner = search(value, base);
        if (inner) return inner;
      }
    } else if (node.kind === 'seq') {
      for (const item of node.items) {
        const inner = search(item, base);
        if (inner) return inner;
      }
    }
    return undefined;
  };
  for (const s of model.steps) {
    if (offset >= s.node.start + s.base && offset <= s.node.end + s.base) return search(s.node, s.base);
  }
  return parsed.root ? search(parsed.root, 0) : undefined;
}

/** A line `name: null` at the end of `params:`, or a new `params:` block before `steps:`. */
function addParamEdit(parsed: ParsedPipeline, model: PipelineModel, name: string): TextEdit | undefined {
  const { lines, text } = parsed;
  const params = model.paramsNode;
  if (params?.kind === 'map' && !params.flow && params.pairs.length) {
    const lastLine = lines.positionAt(params.end).line;
    const keyCol = lines.positionAt(params.pairs[0].key.start).character;
    const at = lastLine + 1 < lines.lineCount ? lines.offsetAt({ line: lastLine + 1, character: 0 }) : text.length;
    return { start: at, end: at, newText: `${at === text.length && !text.endsWith('\n') ? '\n' : ''}${' '.repeat(keyCol)}${name}: null\n` };
  }
  if (params) return undefined;
  const steps = model.stepsKey;
  if (!steps) return undefined;
  const at = lines.offsetAt({ line: lines.positionAt(steps.start).line, character: 0 });
  return { start: at, end: at, newText: `params:\n  ${name}: null\n` };
}
