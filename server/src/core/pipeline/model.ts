import type { z } from 'zod';
import type { DiagnosticCode, Severity } from '../diagnostic';
import type { YNode } from '../yaml/nodes';
import type { CellRef } from './schema';

// Types only: the model that the checks and editor features read, and the memo kept beside each step's
// parse. Every stage (parse, buildModel, schemaDiagnostics, graph, fileChecks) imports these; this
// module imports no stage, so no stage depends on a later one.

/** A string value with the node it came from (offsets relative to its step's base, or absolute in the header). */
export interface Located<T = string> {
  value: T;
  node: YNode;
}

/** What checks and editor features need of a step: its values, each with its place in the file. */
export interface StepModel {
  index: number;
  base: number;
  node: YNode;
  /** Its parse's memo: what checks worked out from the step's text. */
  memo: StepMemo;
  /** The `id` key node, for "go to definition" and rename of the id. */
  idKey?: YNode;
  id?: Located;
  version: number;
  versionNode?: YNode;
  code?: Located;
  dependsOn: Located[];
  dependsOnNode?: YNode;
  reads: Located[];
  writes: Located[];
  params: Located[];
  /** Files it reads from disk (`files:`), relative to the pipeline file. */
  files: Located[];
  /** The outputs `checks:` names, and each one's checks as the schema took them (plain values). */
  checks: Array<{ output: Located; spec: unknown }>;
  notebook?: Located;
  cells: Array<{ ref: CellRef; node: YNode }>;
  hash?: string;
}

export interface PipelineModel {
  name?: string;
  /** Declared params: name → its key node (absolute). */
  params: Map<string, { key: YNode; value: unknown }>;
  paramsNode?: YNode;
  /** The `steps` key (absolute), for features on an empty pipeline. */
  stepsKey?: YNode;
  steps: StepModel[];
}

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

/** A problem on a node of a step (offsets relative to the step's base), kept to be emitted again. */
export interface StepFinding {
  node: YNode;
  severity: Severity;
  code: DiagnosticCode;
  message: string;
  data?: Record<string, unknown>;
}

/** A step's file findings, kept in its memo with what they were computed from. */
export interface StepFileChecks {
  generation: number;
  lockText: string | undefined;
  pipelinePath: string;
  found: StepFinding[];
}
