import { sha256 } from '../notebook/hash';
import type { CarriedDefinition, StepPlan } from './plan';

/** The folder, beside the step files, that holds the definitions steps share. */
export const SHARED_DEFINITIONS_PACKAGE = 'cellflow_defs';

/** A carried function or class in a module of its own, so its instances pickle in one step and load in another. */
export interface SharedDefinition {
  name: string;
  /** `cellflow_defs.Box_1a2b3c4d`: named by its content, so two versions never share a name. */
  module: string;
  /** Path of the module file relative to the step files' folder (POSIX). */
  file: string;
  text: string;
}

/**
 * The shared modules of a plan's definitions, each after those it uses. A module holds the imports its
 * definition needs, imports the shared definitions it uses, then the definition itself; its name ends
 * in the hash of that text, so a changed definition is a new module and every step that carries it
 * changes too (its code hash, and so lint's view of it).
 */
export function sharedDefinitions(plan: StepPlan): SharedDefinition[] {
  const byName = new Map(plan.definitions.filter((d) => !d.inline).map((d) => [d.name, d]));
  const done = new Map<string, SharedDefinition>();
  const build = (def: CarriedDefinition): SharedDefinition => {
    const known = done.get(def.name);
    if (known) return known;
    const uses = (def.uses ?? []).map((u) => build(byName.get(u)!));
    const body = [...mergeImports(def.moduleImports ?? []), ...uses.map((u) => `from ${u.module} import ${u.name}`), '', '', def.source, ''].join('\n');
    const module = `${SHARED_DEFINITIONS_PACKAGE}.${def.name}_${sha256(body).slice('sha256:'.length, 'sha256:'.length + 8)}`;
    const text = [`"""\`${docText(def.name)}\`, carried by Cellflow from a notebook so that steps share it. Re-promote rather than edit."""`, body].join('\n');
    const shared = { name: def.name, module, file: `${module.replace('.', '/')}.py`, text };
    done.set(def.name, shared);
    return shared;
  };
  for (const d of byName.values()) build(d);
  return [...done.values()];
}

export interface CodegenInput {
  plan: StepPlan;
  pipelineName: string;
  stepId: string;
  version: number;
  /** The notebook, relative to the pipeline file (for the header). */
  notebookRef: string;
  /** POSIX path from the step file's folder to the notebook's folder. */
  notebookDirFromStep: string;
  /** POSIX path from the step file's folder to the pipeline's folder. */
  pipelineDirFromStep: string;
  /** Param values the step gets when nothing overrides them. */
  paramValues: Record<string, unknown>;
}

const INDENT = '        ';

/**
 * The step's Python file: importable (`run(**inputs, **params)` returns the outputs by name) and
 * runnable on its own (`python steps/<id>.py` reads inputs from and writes outputs to one pickle per
 * name in CELLFLOW_DATA_DIR, default .cellflow/data/<pipeline> beside the pipeline). The cells run in
 * the notebook's folder, as they did in the notebook, so their relative paths still hold.
 */
export function generateStepCode(input: CodegenInput): string {
  const { plan } = input;
  const cellList = plan.cells.map((c) => (c.id ? `${c.index} (id ${c.id})` : String(c.index))).join(', ');
  const hoisted: string[] = [];
  const body: string[] = [];
  for (const st of plan.setup) {
    body.push(`${INDENT}# ---- setup carried from cell ${st.cellIndex}, line ${st.line + 1} ----`);
    body.push(...indent(st.text.split('\n'), new Set(st.stringLines)));
  }
  for (const def of plan.definitions) {
    if (!def.inline) continue;
    body.push(`${INDENT}# ---- carried from cell ${def.cellIndex}: ${def.kind} ${def.name} (inside run(): ${def.inline}) ----`);
    body.push(...indent(def.source.split('\n'), new Set()));
  }
  const shared = sharedDefinitions(plan);
  // A step that loads inputs may load instances of shared classes, even if it names none of them.
  const findsShared = shared.length > 0 || plan.reads.length > 0;
  const future: string[] = [];
  const moduleOf = new Map(shared.map((d) => [d.name, d.module]));
  plan.cells.forEach((cell, i) => {
    const analysis = plan.analyses[i];
    const inString = new Set(analysis.stringLines);
    // The cell's own definitions that moved to shared modules: the module-level import stands in for them.
    const moved = new Map<number, string>();
    for (const d of plan.definitions) {
      if (!d.own || d.cellIndex !== cell.index) continue;
      for (let l = d.line; l <= d.endLine; l++) moved.set(l, l === d.line ? `pass  # [cellflow] ${d.kind} ${d.name}: imported from ${moduleOf.get(d.name)}, shared by the steps` : '');
    }
    body.push(`${INDENT}# ---- cell ${cell.index}${cell.id ? ` (id ${cell.id})` : ''} ----`);
    const lines = analysis.python.split('\n').map((line, n) => {
      const stand = moved.get(n);
      if (stand !== undefined) return stand;
      if (inString.has(n)) return line;
      // A star import cannot live inside a function, and a __future__ import must open the file.
      if (/^from\s+__future__\s+import\s/.test(line)) {
        future.push(line.replace(/\s*#.*$/, ''));
        return `pass  # [cellflow] moved to the top of the file: ${line.trim()}`;
      }
      if (/^from\s+\S+\s+import\s+\*\s*(#.*)?$/.test(line)) {
        hoisted.push(line.replace(/\s*#.*$/, ''));
        return `pass  # [cellflow] moved to the top of the file: ${line.trim()}`;
      }
      return line;
    });
    body.push(...indent(lines, inString));
  });
  if (!body.some((l) => l.trim() && !l.trim().startsWith('#'))) body.push(`${INDENT}pass`);

  const params = plan.params.map((p) => `${p}=${pythonLiteral(input.paramValues[p] ?? null)}`);
  const signature = [...plan.reads, ...(params.length ? ['*', ...params] : [])].join(', ');
  const imports = mergeImports(unique([...hoisted, ...plan.imports]));
  return [
    `"""Step \`${docText(input.stepId)}\` of pipeline \`${docText(input.pipelineName)}\`, version ${input.version}.`,
    '',
    `Promoted by Cellflow from ${docText(input.notebookRef)}, cell${plan.cells.length === 1 ? '' : 's'} ${docText(cellList)}.`,
    'Change the notebook and re-promote rather than editing this file: Cellflow notices hand edits.',
    'Run on its own (`python <this file>`), it reads each input from and writes each output to',
    '<name>.pkl in $CELLFLOW_DATA_DIR (default .cellflow/data/<pipeline> beside the pipeline file);',
    '$CELLFLOW_PARAMS (JSON) overrides params.',
    '"""',
    ...unique(future),
    'import json as _cellflow_json',
    'import os as _cellflow_os',
    'import pickle as _cellflow_pickle',
    ...(findsShared ? ['import sys as _cellflow_sys'] : []),
    '',
    ...(imports.length ? [...imports, ''] : []),
    ...(findsShared
      ? [
          `# Definitions steps share are modules beside this file (${SHARED_DEFINITIONS_PACKAGE}/): on the path, they import here, and`,
          '# pickle finds the classes of the inputs by their module names.',
          '_cellflow_sys.path.insert(0, _cellflow_os.path.dirname(_cellflow_os.path.abspath(__file__)))',
          ...shared.map((d) => `from ${d.module} import ${d.name}`),
          '',
        ]
      : []),
    `PIPELINE = ${pythonLiteral(input.pipelineName)}`,
    `STEP = ${pythonLiteral(input.stepId)}`,
    `VERSION = ${input.version}`,
    `INPUTS = ${pythonLiteral(plan.reads)}`,
    `OUTPUTS = ${pythonLiteral(plan.writes)}`,
    `PARAMS = {${plan.params.map((p) => `${pythonLiteral(p)}: ${pythonLiteral(input.paramValues[p] ?? null)}`).join(', ')}}`,
    '_HERE = _cellflow_os.path.dirname(_cellflow_os.path.abspath(__file__))',
    `NOTEBOOK_DIR = _cellflow_os.path.normpath(_cellflow_os.path.join(_HERE, ${pythonLiteral(input.notebookDirFromStep)}))`,
    `PIPELINE_DIR = _cellflow_os.path.normpath(_cellflow_os.path.join(_HERE, ${pythonLiteral(input.pipelineDirFromStep)}))`,
    '',
    '',
    `def run(${signature}):`,
    '    """Runs the step on its inputs and params; returns its outputs by name."""',
    '    _cellflow_cwd = _cellflow_os.getcwd()',
    '    _cellflow_os.chdir(NOTEBOOK_DIR)',
    '    try:',
    ...body,
    `${INDENT}return _cellflow_outputs(locals())`,
    '    finally:',
    '        _cellflow_os.chdir(_cellflow_cwd)',
    '',
    '',
    'def _cellflow_outputs(scope):',
    '    return {name: scope[name] for name in OUTPUTS if name in scope}',
    '',
    '',
    'def main():',
    '    data = _cellflow_os.environ.get("CELLFLOW_DATA_DIR") or _cellflow_os.path.join(PIPELINE_DIR, ".cellflow", "data", PIPELINE)',
    '    inputs = {}',
    '    for name in INPUTS:',
    '        with open(_cellflow_os.path.join(data, name + ".pkl"), "rb") as f:',
    '            inputs[name] = _cellflow_pickle.load(f)',
    '    params = dict(PARAMS)',
    '    params.update({k: v for k, v in _cellflow_json.loads(_cellflow_os.environ.get("CELLFLOW_PARAMS") or "{}").items() if k in PARAMS})',
    '    outputs = run(**inputs, **params)',
    '    _cellflow_os.makedirs(data, exist_ok=True)',
    '    for name, value in outputs.items():',
    '        with open(_cellflow_os.path.join(data, name + ".pkl"), "wb") as f:',
    '            _cellflow_pickle.dump(value, f)',
    '    print(_cellflow_json.dumps({"step": STEP, "version": VERSION, "outputs": sorted(outputs)}))',
    '',
    '',
    'if __name__ == "__main__":',
    '    main()',
    '',
  ].join('\n');
}

/** Indents code into the function body, leaving lines that continue a multi-line string as they are. */
function indent(lines: string[], inString: Set<number>): string[] {
  return lines.map((line, i) => (inString.has(i) || line.trim() === '' ? (inString.has(i) ? line : '') : `${INDENT}${line}`));
}

/** Text safe inside the generated module docstring: no escapes, no closing quotes. */
function docText(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/"""/g, '\\"\\"\\"');
}

/** A JSON value as a Python literal. */
export function pythonLiteral(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : value > 0 ? 'float("inf")' : value < 0 ? 'float("-inf")' : 'float("nan")';
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(pythonLiteral).join(', ')}]`;
  if (typeof value === 'object') return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${pythonLiteral(v)}`).join(', ')}}`;
  return 'None';
}

/** `from m import a` and `from m import b as c` become `from m import a, b as c`, in first-seen order. */
function mergeImports(statements: string[]): string[] {
  const out: string[] = [];
  const fromLines = new Map<string, number>();
  for (const s of statements) {
    const m = /^from (\S+) import (?!\*)(.+)$/.exec(s);
    const at = m ? fromLines.get(m[1]) : undefined;
    if (m && at !== undefined) out[at] = `${out[at]}, ${m[2]}`;
    else {
      if (m) fromLines.set(m[1], out.length);
      out.push(s);
    }
  }
  return out;
}

function unique(xs: string[]): string[] {
  return [...new Set(xs)];
}
