import * as fs from 'node:fs';
import * as path from 'node:path';
import type { WorkflowInputs } from '../../core/maturity/workflow';
import { findPipelineFiles } from '../../io/files';
import type { Store } from '../store/store';

const SERVING = ['production', 'prod', 'champion', 'staging'];

/**
 * What the CI workflow for this workspace checks: its pipelines, the serving version of a model
 * against the newest data file (the user edits the path), an ONNX version to benchmark.
 */
export function workflowInputs(root: string, store: Store | undefined): WorkflowInputs & { file: string } {
  const rel = (f: string, from = root) => path.relative(from, f).split(path.sep).join('/') || '.';
  const repo = gitRoot(root) ?? root;
  const models = store?.listModels() ?? [];
  const serving = (onnx: boolean) => {
    for (const alias of SERVING) {
      for (const m of models) {
        const v = m.versions.find((x) => x.aliases.includes(alias) && x.artifactPath.endsWith('.onnx') === onnx);
        if (v) return `${m.name}@${alias}`;
      }
    }
    return undefined;
  };
  const driftModel = serving(false) ?? serving(true);
  const current = newestData(root);
  const bench = serving(true);
  return {
    file: rel(path.join(repo, '.github', 'workflows', 'cellflow.yml'), root),
    pipelines: findPipelineFiles(root).map((f) => rel(f)),
    ...(driftModel && current ? { drift: { model: driftModel, current } } : {}),
    ...(bench ? { bench } : {}),
    workdir: rel(root, repo),
    python: '3.11',
  };
}

function gitRoot(root: string): string | undefined {
  for (let d = path.resolve(root); ; d = path.dirname(d)) {
    if (fs.existsSync(path.join(d, '.git'))) return d;
    if (path.dirname(d) === d) return undefined;
  }
}

/** The most recently changed CSV or Parquet file under data/: this month's data, most likely. */
function newestData(root: string): string | undefined {
  const dir = path.join(root, 'data');
  if (!fs.existsSync(dir)) return undefined;
  const files = fs.readdirSync(dir).filter((f) => /\.(csv|tsv|parquet)$/i.test(f)).map((f) => ({ f, t: fs.statSync(path.join(dir, f)).mtimeMs }));
  files.sort((a, b) => b.t - a.t || a.f.localeCompare(b.f));
  return files[0] ? `data/${files[0].f}` : undefined;
}
