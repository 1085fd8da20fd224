import * as fs from 'node:fs';

/**
 * `rows` rows of three numbers and a category (a, b, c, plan), written in chunks; `shift` moves a.
 * Four million rows (about 70 MB) take DuckDB seconds to read on a loaded 2-core machine: long enough
 * for a cancel to land mid-read.
 */
export function writeBigCsv(file: string, rows: number, shift = 0): void {
  const fd = fs.openSync(file, 'w');
  try {
    fs.writeSync(fd, 'a,b,c,plan\n');
    const plans = ['basic', 'pro', 'max'];
    for (let start = 0; start < rows; start += 100_000) {
      let chunk = '';
      for (let i = start; i < Math.min(rows, start + 100_000); i++) chunk += `${((i * 7919) % 1000) / 10 + shift},${(i * 104729) % 977},${i % 13},${plans[i % 3]}\n`;
      fs.writeSync(fd, chunk);
    }
  } finally {
    fs.closeSync(fd);
  }
}
