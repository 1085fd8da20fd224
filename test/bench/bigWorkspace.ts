import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cellHash, sha256, stepHash } from '../../server/src/core/notebook/hash';
import { serializeLock, type Lock } from '../../server/src/core/pipeline/lockFile';

export interface BigWorkspace {
  dir: string;
  pipeline: string;
  text: string;
  cleanup(): void;
}

/**
 * A workspace with an n-step pipeline that lints clean, as promotion would leave it: a notebook with a
 * cell per step, a code file per step, and a lock whose hashes match, so every check does real work.
 */
export function bigWorkspace(n: number): BigWorkspace {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cellflow-bench-'));
  fs.mkdirSync(path.join(dir, 'notebooks'));
  fs.mkdirSync(path.join(dir, 'steps'));
  const sources = Array.from({ length: n }, (_, i) => (i ? `x${i} = x${i - 1} + 1\nprint(x${i})` : 'x0 = 0'));
  const notebook = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: 'python3', language: 'python', display_name: 'Python 3' } },
    cells: sources.map((s, i) => ({ cell_type: 'code', id: `c${i}`, metadata: {}, execution_count: null, outputs: [], source: s.split(/(?<=\n)/) })),
  };
  fs.writeFileSync(path.join(dir, 'notebooks', 'big.ipynb'), JSON.stringify(notebook, null, 1));
  const lock: Lock = { cellflow: 1, steps: {} };
  let yaml = '# A generated pipeline for benchmarks.\ncellflow: 1\nname: big\nparams:\n  seed: 42\nsteps:\n';
  for (let i = 0; i < n; i++) {
    const code = `"""Step s${i}."""\n\n\ndef run(x${i - 1 < 0 ? '' : i - 1}):\n    return ${sources[i].split('\n')[0]}\n`;
    fs.writeFileSync(path.join(dir, 'steps', `s${i}.py`), code);
    const hash = stepHash([sources[i]]);
    const cell = { index: i, id: `c${i}`, hash: cellHash(sources[i]) };
    const reads = i ? [`x${i - 1}`] : [];
    yaml += `  - id: s${i}\n    version: 1\n    code: steps/s${i}.py\n    source:\n      notebook: notebooks/big.ipynb\n      cells:\n        - {index: ${i}, id: c${i}, hash: ${cell.hash}}\n      hash: ${hash}\n    depends-on: [${i ? `s${i - 1}` : ''}]\n    reads: [${reads.join(', ')}]\n    writes: [x${i}]\n    params: [seed]\n`;
    lock.steps[`s${i}`] = { inferredDependsOn: i ? [`s${i - 1}`] : [], versions: [{ version: 1, hash, notebook: 'notebooks/big.ipynb', cells: [cell], source: [sources[i]], codeHash: sha256(code), reads, writes: [`x${i}`], promotedAt: '2026-11-27T00:00:00.000Z' }] };
  }
  const pipeline = path.join(dir, 'big.cellflow.yaml');
  fs.writeFileSync(pipeline, yaml);
  fs.writeFileSync(path.join(dir, 'big.cellflow.lock'), serializeLock(lock));
  return { dir, pipeline, text: yaml, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
