/**
 * Sorts finite doubles ascending, in place, by LSD radix on their bits (16-bit digits, four passes,
 * a pass skipped when every value shares its digit): about 2x faster than TypedArray.prototype.sort
 * on a million values (npm run bench -- --only drift), which matters with two samples per column.
 * NaN is not expected (the readers leave it out); −0 sorts before +0.
 */
export function sortDoubles(a: Float64Array): Float64Array {
  const n = a.length;
  if (n < 256) return a.sort();
  const words = new Uint32Array(a.buffer, a.byteOffset, n * 2); // little-endian: [low, high] per value
  // Order-preserving keys: negative values get every bit flipped, others just the sign bit.
  for (let i = 1; i < 2 * n; i += 2) {
    const hi = words[i];
    if (hi & 0x80000000) {
      words[i] = ~hi;
      words[i - 1] = ~words[i - 1];
    } else {
      words[i] = hi | 0x80000000;
    }
  }
  let src: Uint32Array = words;
  let dst: Uint32Array = new Uint32Array(2 * n);
  const counts = new Uint32Array(65536);
  for (let pass = 0; pass < 4; pass++) {
    const word = pass >> 1;
    const shift = (pass & 1) * 16;
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[(src[2 * i + word] >>> shift) & 0xffff]++;
    if (counts[(src[word] >>> shift) & 0xffff] === n) continue; // one digit for all: nothing moves
    let sum = 0;
    for (let d = 0; d < 65536; d++) {
      const c = counts[d];
      counts[d] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const lo = src[2 * i];
      const hi = src[2 * i + 1];
      const at = 2 * counts[((word ? hi : lo) >>> shift) & 0xffff]++;
      dst[at] = lo;
      dst[at + 1] = hi;
    }
    [src, dst] = [dst, src];
  }
  if (src !== words) words.set(src);
  for (let i = 1; i < 2 * n; i += 2) {
    const hi = words[i];
    if (hi & 0x80000000) {
      words[i] = hi & 0x7fffffff;
    } else {
      words[i] = ~hi;
      words[i - 1] = ~words[i - 1];
    }
  }
  return a;
}
