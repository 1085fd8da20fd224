import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { InvalidInput } from '../../core/errors';
import type { Store } from '../store/store';

/** A model version's training data: how to show it, what names its content, and how to get it as a file DuckDB reads. */
export interface ReferenceData {
  shownAs: string;
  model: { name: string; version: number };
  /** Names the data's content (its digests): a profile kept under it stands for the data. */
  key: string;
  /** The data as a file; `cleanup` removes one made for the comparison (a step's inputs as CSV). */
  materialize(): { file: string; shownAs: string; cleanup(): void };
}

const TABLE_FILE = /\.(csv|tsv|parquet)$/i;

/**
 * The data a model version was trained on, so `--reference churn@production` needs no file: a CSV or
 * Parquet dataset its run logged (log_input), else, for a version a pipeline step registered, that
 * step's table inputs (pandas DataFrames and Series from the runner's artifacts, side by side),
 * written out as CSV by Python. Unpickling runs the workspace's code: Workspace Trust applies.
 */
export function modelReference(store: Store, root: string, name: string, versionOrAlias: string, python: string): ReferenceData {
  const model = store.resolveModelVersion(name, versionOrAlias);
  const shownAs = `${name}@${versionOrAlias}`;
  const data = store.trainingData(model);
  if (!data.runId) throw new InvalidInput(`${shownAs} was registered without a run, so nothing records what it was trained on; pass --reference <file>`);
  const logged = data.logged.find((i) => i.source && TABLE_FILE.test(i.source) && (i.context ?? 'training') === 'training' && fs.existsSync(path.resolve(root, i.source)));
  if (logged?.source) {
    const file = path.resolve(root, logged.source);
    const shown = `${shownAs} (${logged.source})`;
    return { shownAs: shown, model, key: `logged-${logged.digest.replace(/^sha256:/, '')}`, materialize: () => ({ file, shownAs: shown, cleanup: () => undefined }) };
  }
  const artifacts = Object.entries(data.stepInputs).flatMap(([input, digest]) => {
    const hex = digest.replace(/^sha256:/, '');
    const file = ['pkl', 'npy'].map((ext) => path.join(root, '.cellflow', 'artifacts', `${hex}.${ext}`)).find((f) => fs.existsSync(f));
    return file?.endsWith('.pkl') ? [{ input, file }] : [];
  });
  if (!artifacts.length) throw new InvalidInput(`the run of ${shownAs} (${data.runId}) logged no CSV or Parquet dataset and has no table inputs kept in .cellflow/artifacts; pass --reference <file>`);
  const key = `inputs-${createHash('sha256').update(JSON.stringify(artifacts.map((a) => [a.input, path.basename(a.file)]))).digest('hex')}`;
  return { shownAs, model, key, materialize: () => writeInputs(shownAs, artifacts, python) };
}

/** The pickled table inputs side by side as one CSV, by Python. */
function writeInputs(shownAs: string, artifacts: Array<{ input: string; file: string }>, python: string): { file: string; shownAs: string; cleanup(): void } {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cellflow-reference-')), 'reference.csv');
  const r = spawnSync(python, ['-c', WRITE_TABLES, out, ...artifacts.flatMap((a) => [a.input, a.file])], { encoding: 'utf8', timeout: 300_000 });
  const cleanup = () => fs.rmSync(path.dirname(out), { recursive: true, force: true });
  if (r.status !== 0) {
    cleanup();
    const last = (r.stderr || r.error?.message || '').trim().split('\n').pop();
    throw new InvalidInput(`the training inputs of ${shownAs} could not be read with ${python}: ${last}`);
  }
  return { file: out, shownAs: `${shownAs} (${r.stdout.trim()})`, cleanup };
}

/** Writes the DataFrame and Series among the pickled inputs, of the largest common length, as one CSV; prints their names. */
const WRITE_TABLES = `
import pickle, sys
import pandas as pd
out, pairs = sys.argv[1], sys.argv[2:]
tables = []
for name, path in zip(pairs[::2], pairs[1::2]):
    with open(path, "rb") as f:
        value = pickle.load(f)
    if isinstance(value, pd.Series):
        value = value.to_frame(value.name if value.name is not None else name)
    if isinstance(value, pd.DataFrame):
        tables.append((name, value))
if not tables:
    sys.exit("none of the inputs is a pandas table")
rows = max(len(t) for _, t in tables)
chosen = [(n, t) for n, t in tables if len(t) == rows]
pd.concat([t for _, t in chosen], axis=1).to_csv(out, index=False)
print(", ".join(n for n, _ in chosen))
`;
