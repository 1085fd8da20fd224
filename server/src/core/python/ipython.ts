/** IPython syntax that is not Python, found in a cell and replaced so a Python parser can read the rest. */
export interface Magic {
  /** 0-based line in the cell. */
  line: number;
  text: string;
  kind: 'line-magic' | 'cell-magic' | 'shell' | 'help';
}

export interface MaskedCell {
  /** The cell as Python, line for line: IPython-only lines become `pass  # [cellflow] IPython: …`. */
  python: string;
  magics: Magic[];
  /** A cell magic whose body is not Python (`%%bash`, `%%html`, …): the cell cannot become step code. */
  foreignCellMagic?: string;
}

/** Cell magics whose body is Python that runs as usual. */
const PYTHON_CELL_MAGICS = new Set(['time', 'timeit', 'capture', 'prun', 'debug', 'memit']);
/** Line magics that run the Python statement after them. */
const PYTHON_LINE_MAGICS = /^%(time|timeit|prun|memit)\s+((?:-\w+(?:\s+\d+)?\s+)*)/;

export function maskIPython(source: string): MaskedCell {
  const lines = source.split(/\r?\n/);
  const magics: Magic[] = [];
  const cell = /^%%(\w+)(.*)$/.exec(lines[0] ?? '');
  if (cell) {
    magics.push({ line: 0, text: lines[0], kind: 'cell-magic' });
    if (!PYTHON_CELL_MAGICS.has(cell[1])) {
      return { python: lines.map((l, i) => (i === 0 ? note(l) : `# ${l}`)).join('\n'), magics, foreignCellMagic: cell[1] };
    }
    // `%%capture out` binds `out`.
    const captured = cell[1] === 'capture' ? /(?:^|\s)([A-Za-z_]\w*)\s*$/.exec(cell[2]) : null;
    lines[0] = captured ? `${captured[1]} = None  # [cellflow] IPython: ${lines[0]}` : `pass  # [cellflow] IPython: ${lines[0]}`;
  }
  let inTripleString: string | undefined;
  for (let i = cell ? 1 : 0; i < lines.length; i++) {
    const line = lines[i];
    if (!inTripleString) {
      const masked = maskLine(line);
      if (masked) {
        magics.push({ line: i, text: line.trim(), kind: masked.kind });
        lines[i] = masked.python;
        continue;
      }
    }
    inTripleString = tripleQuoteState(line, inTripleString);
  }
  return { python: lines.join('\n'), magics };
}

function maskLine(line: string): { python: string; kind: Magic['kind'] } | undefined {
  const m = /^(\s*)(.*)$/.exec(line)!;
  const indent = m[1];
  const rest = m[2];
  if (!rest) return undefined;
  const timed = PYTHON_LINE_MAGICS.exec(rest);
  if (timed) return { python: `${indent}${rest.slice(timed[0].length)}  # [cellflow] IPython: %${timed[1]}`, kind: 'line-magic' };
  if (rest.startsWith('%')) return { python: `${indent}${note(rest)}`, kind: 'line-magic' };
  if (rest.startsWith('!')) return { python: `${indent}${note(rest)}`, kind: 'shell' };
  if (rest.startsWith('?') || /^[\w.]+\?\??$/.test(rest)) return { python: `${indent}${note(rest)}`, kind: 'help' };
  // `files = !ls` or `names = %who_ls`: keep the binding, drop what IPython would run.
  const assigned = /^([A-Za-z_][\w.]*(?:\s*,\s*[A-Za-z_][\w.]*)*)\s*=\s*([!%].*)$/.exec(rest);
  if (assigned) {
    return { python: `${indent}${assigned[1]} = None  # [cellflow] IPython: ${rest}`, kind: assigned[2].startsWith('!') ? 'shell' : 'line-magic' };
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
