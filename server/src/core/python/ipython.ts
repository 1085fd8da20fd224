/** IPython syntax that is not Python, found in a cell and replaced so a Python parser can read the rest. */
export interface Magic {
  /** 0-based line in the cell. */
  line: number;
  text: string;
  kind: 'line-magic' | 'cell-magic' | 'shell' | 'help';
  /** What becomes of it in a step, as promotion tells the user: "runs `x = f()` without timing". */
  effect: string;
}

export interface MaskedCell {
  /** The cell as Python, line for line: IPython-only lines become `pass  # [cellflow] IPython: …`. */
  python: string;
  magics: Magic[];
  /** A cell magic whose body is not Python (`%%bash`, `%%html`, …): the cell cannot become step code. */
  foreignCellMagic?: string;
}

/** Cell magics whose body is Python that runs once, as usual, in the user's namespace. */
const PYTHON_CELL_MAGICS = new Set(['time', 'capture', 'prun', 'debug', 'memit']);
/**
 * Magics that run their statement or body in a namespace of their own, many times: IPython keeps no
 * name they bind, so in a step they run nothing and write nothing.
 */
const DISCARDING_MAGICS = new Set(['timeit']);
/** Line magics that run the Python statement after them, once, in the user's namespace. */
const PYTHON_LINE_MAGICS = /^%(time|prun|memit)\s+((?:-[sDTl]\s+\S+\s+|-\w+(?:\s+\d+)?\s+)*)/;
const DISCARDING_LINE_MAGICS = /^%(timeit)\b/;
/** What each magic that runs Python leaves out when its code runs in a step. */
const WITHOUT: Record<string, string> = { time: 'timing', prun: 'profiling', memit: 'memory measurement', capture: 'capturing its output', debug: 'the debugger' };

export function maskIPython(source: string): MaskedCell {
  const lines = source.split(/\r?\n/);
  const magics: Magic[] = [];
  const cell = /^%%(\w+)(.*)$/.exec(lines[0] ?? '');
  if (cell) {
    const name = cell[1];
    if (DISCARDING_MAGICS.has(name)) {
      magics.push({ line: 0, text: lines[0], kind: 'cell-magic', effect: `runs nothing and writes nothing in the step: IPython runs a %%${name} cell in a namespace of its own and keeps none of its names` });
      return { python: lines.map((l, i) => (i === 0 ? note(l) : `# ${l}`)).join('\n'), magics };
    }
    if (!PYTHON_CELL_MAGICS.has(name)) {
      magics.push({ line: 0, text: lines[0], kind: 'cell-magic', effect: 'is not Python: the cell cannot be a step' });
      return { python: lines.map((l, i) => (i === 0 ? note(l) : `# ${l}`)).join('\n'), magics, foreignCellMagic: name };
    }
    // `%%capture out` binds `out`.
    const captured = name === 'capture' ? /(?:^|\s)([A-Za-z_]\w*)\s*$/.exec(cell[2]) : null;
    magics.push({ line: 0, text: lines[0], kind: 'cell-magic', effect: `the cell's code runs in the step as usual, without ${WITHOUT[name]}${captured ? ` (\`${captured[1]}\` is None)` : ''}` });
    lines[0] = captured ? `${captured[1]} = None  # [cellflow] IPython: ${lines[0]}` : `pass  # [cellflow] IPython: ${lines[0]}`;
  }
  let inTripleString: string | undefined;
  for (let i = cell ? 1 : 0; i < lines.length; i++) {
    const line = lines[i];
    if (!inTripleString) {
      const masked = maskLine(line);
      if (masked) {
        magics.push({ line: i, text: line.trim(), kind: masked.kind, effect: masked.effect });
        lines[i] = masked.python;
        continue;
      }
    }
    inTripleString = tripleQuoteState(line, inTripleString);
  }
  return { python: lines.join('\n'), magics };
}

const NOT_RUN = 'does not run in a step';

function maskLine(line: string): { python: string; kind: Magic['kind']; effect: string } | undefined {
  const m = /^(\s*)(.*)$/.exec(line)!;
  const indent = m[1];
  const rest = m[2];
  if (!rest) return undefined;
  const timed = PYTHON_LINE_MAGICS.exec(rest);
  if (timed) {
    const statement = rest.slice(timed[0].length);
    return { python: `${indent}${statement}  # [cellflow] IPython: %${timed[1]}`, kind: 'line-magic', effect: `runs as \`${statement.trim()}\` in the step, without ${WITHOUT[timed[1]]}` };
  }
  const discarding = DISCARDING_LINE_MAGICS.exec(rest);
  if (discarding) {
    return { python: `${indent}${note(rest)}`, kind: 'line-magic', effect: `runs nothing and writes nothing in the step: IPython runs a %${discarding[1]} statement in a namespace of its own and keeps none of its names` };
  }
  if (rest.startsWith('%')) return { python: `${indent}${note(rest)}`, kind: 'line-magic', effect: NOT_RUN };
  if (rest.startsWith('!')) return { python: `${indent}${note(rest)}`, kind: 'shell', effect: `${NOT_RUN} (shell commands are not step code)` };
  if (rest.startsWith('?') || /^[\w.]+\?\??$/.test(rest)) return { python: `${indent}${note(rest)}`, kind: 'help', effect: NOT_RUN };
  // `files = !ls` or `names = %who_ls`: keep the binding, drop what IPython would run.
  const assigned = /^([A-Za-z_][\w.]*(?:\s*,\s*[A-Za-z_][\w.]*)*)\s*=\s*([!%].*)$/.exec(rest);
  if (assigned) {
    return { python: `${indent}${assigned[1]} = None  # [cellflow] IPython: ${rest}`, kind: assigned[2].startsWith('!') ? 'shell' : 'line-magic', effect: `${NOT_RUN}: \`${assigned[1]}\` is None` };
  }
  return undefined;
}

function note(text: string): string {
  return `pass  # [cellflow] IPython: ${text}`;
}

/** Tracks whether a line leaves us inside a triple-quoted string, where `%` or `!` are just text. */
function tripleQuoteState(line: string, open: string | undefined): string | undefined {
  let state = open;
  for (let i = 0; i < line.length; i++) {
    if (state) {
      if (line.startsWith(state, i)) {
        state = undefined;
        i += 2;
      }
    } else if (line[i] === '#') {
      break;
    } else if (line.startsWith('"""', i) || line.startsWith("'''", i)) {
      state = line.slice(i, i + 3);
      i += 2;
    } else if (line[i] === '"' || line[i] === "'") {
      const end = line.indexOf(line[i], i + 1);
      if (end < 0) break;
      i = end;
    }
  }
  return state;
}
