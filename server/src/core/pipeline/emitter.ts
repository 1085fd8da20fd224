import type { Diagnostic, DiagnosticCode, Severity } from '../diagnostic';
import type { Lines } from '../text/lineIndex';
import type { YNode } from '../yaml/nodes';
import type { StepModel } from './model';

export type Emit = (step: StepModel | undefined, node: YNode, severity: Severity, code: DiagnosticCode, message: string, data?: Record<string, unknown>) => void;

/**
 * A diagnostic on a node of a step (its offsets relative to the step's base) or of the header, for the
 * checks that run on the model (graph, files): step nodes keep relative offsets so a step that only
 * moved reuses its parse, and the step's current base places the diagnostic.
 */
export function emitter(lines: Lines, out: Diagnostic[]): Emit {
  return (step, node, severity, code, message, data) => {
    const base = step?.base ?? 0;
    out.push({ range: lines.rangeOf(node.start + base, node.end + base), severity, code, message, ...(data ? { data } : {}) });
  };
}
