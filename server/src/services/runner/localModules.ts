import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The workspace-local Python modules a step's code imports, transitively: each imported module name
 * looked up as `<dir>/a/b.py` or `<dir>/a/b/__init__.py` in the folders Python searches first for a
 * step (its own folder, where the shared definitions are, and the pipeline's). Installed packages are
 * not files there, so they are not found; their version is the interpreter's part of the cache key.
 */
export function localModules(code: string, dirs: string[], importsOf: (source: string) => string[]): string[] {
  const found: string[] = [];
  const seen = new Set<string>([path.resolve(code)]);
  const queue = [path.resolve(code)];
  while (queue.length) {
    const file = queue.shift()!;
    let source: string;
    try {
      source = fs.readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const name of importsOf(source)) {
      const rel = name.split('.').join(path.sep);
      for (const dir of dirs) {
        const hit = [path.join(dir, `${rel}.py`), path.join(dir, rel, '__init__.py')].find((f) => fs.existsSync(f));
        if (hit && !seen.has(hit)) {
          seen.add(hit);
          found.push(hit);
          queue.push(hit);
        }
        if (hit) break;
      }
    }
  }
  return found.sort();
}
