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
  const add = (file: string | undefined) => {
    if (!file || seen.has(file)) return;
    seen.add(file);
    found.push(file);
    queue.push(file);
  };
  while (queue.length) {
    let source: string;
    try {
      source = fs.readFileSync(queue.shift()!, 'utf8');
    } catch {
      continue;
    }
    for (const name of importsOf(source)) add(firstExisting(dirs.flatMap((dir) => moduleFiles(dir, name))));
    // `from pkg import mod` may name a module of the package rather than a name in its __init__.
    for (const [pkg, names] of fromImports(source)) for (const n of names) for (const dir of dirs) add(firstExisting([path.join(dir, ...pkg.split('.'), `${n}.py`)]));
  }
  return found.sort();
}

/** Where module `name` would be in `dir`: `a/b.py` or `a/b/__init__.py`. */
function moduleFiles(dir: string, name: string): string[] {
  const rel = name.split('.').join(path.sep);
  return [path.join(dir, `${rel}.py`), path.join(dir, rel, '__init__.py')];
}

function firstExisting(files: string[]): string | undefined {
  return files.find((f) => fs.existsSync(f));
}

/** `from a.b import c, d as e` lines at any depth: [['a.b', ['c', 'd']]]. */
function fromImports(source: string): Array<[string, string[]]> {
  const out: Array<[string, string[]]> = [];
  for (const m of source.matchAll(/^[ \t]*from[ \t]+([\w.]+)[ \t]+import[ \t]+\(?([\w \t,]+)/gm)) {
    out.push([m[1], m[2].split(',').map((x) => x.trim().split(/\s+/)[0]).filter(Boolean)]);
  }
  return out;
}

/**
 * The modules a Python file imports at any depth (a step's own cells live inside its run()), by the
 * import statements' text: `import a.b`, `import a as b`, `from a.b import c`.
 */
export function importedModules(source: string): string[] {
  const out = new Set<string>();
  for (const m of source.matchAll(/^[ \t]*import[ \t]+([\w., \t]+)/gm)) for (const part of m[1].split(',')) out.add(part.trim().split(/\s+/)[0]);
  for (const [pkg] of fromImports(source)) out.add(pkg);
  out.delete('');
  return [...out];
}
