import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ColumnData } from '../../core/drift/report';

/** A table as the drift report reads it. */
export type Table = { rows: number; columns: ColumnData[] };

/** Bumped when the files' layout changes: an old profile is read again from its data. */
const FORMAT = 1;

interface Meta {
  format: number;
  rows: number;
  columns: Array<Omit<ColumnData, 'sample'> & { sample?: { kind: 'num'; file: string } | { kind: 'cat'; counts: Array<[string, number]>; n: number } }>;
}

/**
 * Reference profiles, kept under .cellflow/profiles/<key>/ by the digest of what they were read from:
 * each numeric column's sorted values as raw doubles, each text column's counts, so a re-check of new
 * data against the same reference reads and sorts only the new data.
 */
export class Profiles {
  constructor(private readonly dir: string) {}

  /**
   * `sha256:…` of a file, remembered beside the profiles by path, size, mtime and inode, so that
   * naming an unchanged reference costs a stat, not a read of all of it.
   */
  digest(file: string, hash: (file: string) => string): string {
    const index = path.join(this.dir, 'digests.json');
    let known: Record<string, { size: number; mtimeNs: string; ino: string; sha256: string }> = {};
    try {
      known = JSON.parse(fs.readFileSync(index, 'utf8')) as typeof known;
    } catch {
      // none yet, or unreadable: start afresh
    }
    const st = fs.statSync(file, { bigint: true });
    const fact = { size: Number(st.size), mtimeNs: st.mtimeNs.toString(), ino: st.ino.toString() };
    const hit = known[file];
    if (hit && hit.size === fact.size && hit.mtimeNs === fact.mtimeNs && hit.ino === fact.ino) return hit.sha256;
    const sha256 = hash(file);
    known[file] = { ...fact, sha256 };
    try {
      fs.mkdirSync(this.dir, { recursive: true });
      fs.writeFileSync(`${index}.${process.pid}`, JSON.stringify(known));
      fs.renameSync(`${index}.${process.pid}`, index);
    } catch {
      // a read-only workspace: the digest is still right, only not remembered
    }
    return sha256;
  }

  load(key: string): Table | undefined {
    const folder = path.join(this.dir, safeKey(key));
    let meta: Meta;
    try {
      meta = JSON.parse(fs.readFileSync(path.join(folder, 'meta.json'), 'utf8')) as Meta;
    } catch {
      return undefined; // none yet, or one being written by another process
    }
    if (meta.format !== FORMAT) return undefined;
    try {
      const columns = meta.columns.map((c): ColumnData => {
        const { sample, ...rest } = c;
        if (!sample) return rest;
        if (sample.kind === 'cat') return { ...rest, sample: { kind: 'cat', counts: new Map(sample.counts), n: sample.n } };
        return { ...rest, sample: { kind: 'num', sorted: readDoubles(path.join(folder, sample.file)) } };
      });
      return { rows: meta.rows, columns };
    } catch {
      return undefined;
    }
  }

  /** Writes a profile whole, then renames it into place, so a reader never sees half of one. */
  save(key: string, table: Table): void {
    const final = path.join(this.dir, safeKey(key));
    if (fs.existsSync(final)) {
      if (this.load(key)) return; // kept already
      fs.rmSync(final, { recursive: true, force: true }); // damaged: replaced by this one
    }
    const tmp = path.join(this.dir, `.tmp-${process.pid}-${safeKey(key)}`);
    fs.rmSync(tmp, { recursive: true, force: true });
    fs.mkdirSync(tmp, { recursive: true });
    const meta: Meta = {
      format: FORMAT,
      rows: table.rows,
      columns: table.columns.map((c, i) => {
        const { sample, ...rest } = c;
        if (!sample) return rest;
        if (sample.kind === 'cat') return { ...rest, sample: { kind: 'cat', counts: [...sample.counts], n: sample.n } };
        const file = `${i}.f64`;
        fs.writeFileSync(path.join(tmp, file), new Uint8Array(sample.sorted.buffer, sample.sorted.byteOffset, sample.sorted.byteLength));
        return { ...rest, sample: { kind: 'num', file } };
      }),
    };
    fs.writeFileSync(path.join(tmp, 'meta.json'), JSON.stringify(meta));
    try {
      fs.renameSync(tmp, final);
    } catch {
      fs.rmSync(tmp, { recursive: true, force: true }); // another process saved the same profile first
    }
  }
}

/** A key as a folder name: digests and names only, nothing that climbs out. */
function safeKey(key: string): string {
  return key.replace(/[^A-Za-z0-9_.@-]/g, '_').replace(/^\.+/, '_');
}

function readDoubles(file: string): Float64Array {
  const size = fs.statSync(file).size;
  const out = new Float64Array(size / 8);
  const fd = fs.openSync(file, 'r');
  try {
    const bytes = new Uint8Array(out.buffer);
    for (let at = 0; at < size; ) at += fs.readSync(fd, bytes, at, size - at, at);
  } finally {
    fs.closeSync(fd);
  }
  return out;
}
