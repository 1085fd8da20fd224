import type { z } from 'zod';
import type { StepFileChecks } from './fileChecks';
import type { StepModel } from './model';

/**
 * What the checks worked out from one step's text, kept beside the parse of that text: while a step is
 * unchanged, an edit elsewhere reuses all of it. Plain fields rather than weak maps keyed by nodes,
 * which a cold lint of a thousand steps would fill with thousands of entries for the GC to trace.
 */
export interface StepMemo {
  model?: StepModel;
  issues?: readonly z.core.$ZodIssue[];
  files?: StepFileChecks;
  /** The step's id and depends-on, for knowing when the graph's findings still hold. */
  graphKey?: string;
}
