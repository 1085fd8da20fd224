import { parentPort } from 'node:worker_threads';
import { sortNumbers, type SortRequest } from './sortedColumn';

/** A sorting thread of SortPool: the column's buffer comes and goes back transferred, never copied. */
parentPort?.on('message', (m: SortRequest) => {
  const { distinct } = sortNumbers(new Float64Array(m.buffer, m.offset, m.length));
  parentPort!.postMessage({ ...m, distinct }, [m.buffer]);
});
