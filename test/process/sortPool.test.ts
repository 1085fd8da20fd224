import * as assert from 'node:assert/strict';
import { SortPool } from '../../server/src/services/data/sortPool';

describe('SortPool: numeric columns sorted on worker threads', () => {
  it('sorts big columns on its threads as the array sort would, negatives, zeros and repeats included, and counts distinct values', async () => {
    const pool = new SortPool();
    try {
      const columns = [0, 1, 2].map((seed) => Float64Array.from({ length: 200_000 + seed }, (_, i) => (((i * 7919 + seed) % 10007) - 5003) / (seed + 1) + (i % 3 === 0 ? -0 : 0)));
      const expected = columns.map((c) => c.slice().sort());
      const distinct = expected.map((e) => new Set(e).size);
      const results = await Promise.all(columns.map((c) => pool.sort(c)));
      for (const [i, r] of results.entries()) {
        assert.deepEqual(Array.from(r.sorted), Array.from(expected[i]));
        assert.equal(r.distinct, distinct[i]);
      }
      assert.equal(columns[0].length, 0, 'the buffer went to the worker (transferred, not copied)');
    } finally {
      await pool.close();
    }
  });

  it('sorts a short column on the calling thread', async () => {
    const pool = new SortPool();
    const r = await pool.sort(Float64Array.from([3, -1, 2, 2]));
    assert.deepEqual([Array.from(r.sorted), r.distinct], [[-1, 2, 2, 3], 3]);
    await pool.close();
  });
});
