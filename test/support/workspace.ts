import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EXAMPLES, ROOT } from './paths';

/**
 * Makes a copy of examples/ unpromoted: the pipeline as it was before its steps were promoted, without
 * them, their lock and their shared definitions. Tests of promotion start from the notebook alone.
 */
export function unpromoteExample(dir: string): void {
  fs.copyFileSync(path.join(ROOT, 'test', 'fixtures', 'churn-unpromoted.cellflow.yaml'), path.join(dir, 'churn.cellflow.yaml'));
  fs.rmSync(path.join(dir, 'churn.cellflow.lock'), { force: true });
  fs.rmSync(path.join(dir, 'steps'), { recursive: true, force: true });
}

/** A scratch copy of examples/ for a test to change, unpromoted unless asked, with no store; removed by the returned cleanup. */
export function scratchExamples(options: { promoted?: boolean } = {}): { dir: string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cellflow-test-'));
  fs.cpSync(EXAMPLES, dir, { recursive: true, filter: (src) => path.basename(src) !== '.cellflow' && path.basename(src) !== 'models' });
  if (options.promoted) fs.mkdirSync(path.join(dir, '.cellflow'));
  else unpromoteExample(dir);
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** Every file under `dir` with its content, for asserting that nothing changed. */
export function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) out.set(path.relative(dir, p), fs.readFileSync(p, 'utf8'));
    }
  };
  walk(dir);
  return out;
}
