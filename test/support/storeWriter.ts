/**
 * A Node process logging to a store through the core API, as the CLI or a runner would: one run,
 * `count` metrics in batches of `batch`, then FINISHED. With count 0 it logs until killed.
 * Usage: node storeWriter.js <workspace> <count> <batch> <experiment>
 */
import { Store } from '../../server/src/services/store/store';
import { storePath } from '../../server/src/io/storeLocation';

const [workspace, countText, batchText, experiment] = process.argv.slice(2);
const count = Number(countText);
const batch = Number(batchText);
const store = new Store(storePath(workspace), workspace);
const run = store.startRun({ experiment, name: `node-${process.pid}` });
process.stdout.write(`${run}\n`);
for (let i = 0; count === 0 || i < count; i += batch) {
  const n = count === 0 ? batch : Math.min(batch, count - i);
  store.logMetrics(run, Array.from({ length: n }, (_, j) => ({ key: 'loss', value: 1 / (i + j + 1), step: i + j })));
}
store.endRun(run);
store.close();
