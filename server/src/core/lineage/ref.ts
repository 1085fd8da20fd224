import { InvalidInput } from '../errors';

/** What `cellflow lineage REF` names, before the store resolves it. */
export type LineageRef =
  | { kind: 'step'; pipeline: string; stepId: string }
  | { kind: 'model'; name: string; versionOrAlias: string }
  | { kind: 'cell'; hash: string }
  | { kind: 'run'; idOrPrefix: string };

/**
 * `pipeline.cellflow.yaml#step`, `NAME@VERSION` or `NAME@ALIAS`, a cell hash (`sha256:…` or at
 * least 12 hex digits), or a run id or its prefix (at least 4 hex digits).
 */
export function parseLineageRef(ref: string): LineageRef {
  const step = /^(.+\.cellflow\.ya?ml)#([^#@]+)$/.exec(ref);
  if (step) return { kind: 'step', pipeline: step[1], stepId: step[2] };
  const model = /^([^@/\\#]+)@([^@/\\#]+)$/.exec(ref);
  if (model) return { kind: 'model', name: model[1], versionOrAlias: model[2] };
  const cell = /^sha256:([0-9a-f]{8,64})$/i.exec(ref);
  if (cell) return { kind: 'cell', hash: cell[1].toLowerCase() };
  if (/^[0-9a-f]{4,32}$/i.test(ref)) return { kind: 'run', idOrPrefix: ref.toLowerCase() };
  if (/^[0-9a-f]{33,64}$/i.test(ref)) return { kind: 'cell', hash: ref.toLowerCase() };
  throw new InvalidInput(`lineage takes a run id (or its first 4+ characters), NAME@VERSION, NAME@ALIAS, pipeline.cellflow.yaml#step, or a cell hash (sha256:…), not ${JSON.stringify(ref)}`);
}
