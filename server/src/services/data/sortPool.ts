import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { sortNumbers, type SortRequest } from './sortedColumn';

/** Columns shorter than this are sorted on the calling thread: a message costs more than the sort. */
const IN_THREAD = 50_000;

/**
 * Sorts numeric columns on worker threads, one per core (two at most: DuckDB's parser threads
 * want the rest), so sorting one column overlaps reading and sorting the others. Buffers are
 * transferred both ways. The threads are unref'd: they never keep the CLI alive.
 */
export class SortPool {
  private readonly workers: Worker[] = [];
  private readonly pending = new Map<number, { resolve(r: { sorted: Float64Array; distinct: number }): void; reject(e: Error): void }>();
  private next = 0;
  private readonly script = path.join(__dirname, 'sortWorker.js');

  /** Sorts `values` (its buffer is handed over: do not use it after) and counts its distinct values. */
  sort(values: Float64Array): Promise<{ sorted: Float64Array; distinct: number }> {
    if (values.length < IN_THREAD) return Promise.resolve(sortNumbers(values));
    const id = this.next++;
    const worker = this.worker(id);
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      // The whole buffer goes, so the caller must not touch it again (NumberColumn lets it go).
      const request: SortRequest = { id, buffer: values.buffer as ArrayBuffer, offset: values.byteOffset, length: values.length };
      worker.postMessage(request, [request.buffer]);
    });
  }

  /** Ends the threads; a sort still running rejects. */
  async close(): Promise<void> {
    await Promise.all(this.workers.splice(0).map((w) => w.terminate()));
  }

  private worker(id: number): Worker {
    const size = Math.max(1, Math.min(2, os.availableParallelism()));
    if (this.workers.length < size) {
      const w = new Worker(this.script);
      w.unref();
      w.on('message', (m: SortRequest & { distinct: number }) => {
        const p = this.pending.get(m.id);
        this.pending.delete(m.id);
        p?.resolve({ sorted: new Float64Array(m.buffer, m.offset, m.length), distinct: m.distinct });
      });
      w.on('error', (err) => {
        for (const p of this.pending.values()) p.reject(err);
        this.pending.clear();
      });
      this.workers.push(w);
    }
    return this.workers[id % this.workers.length];
  }
}
