import { sortDoubles } from '../../core/drift/sort';

export interface SortRequest {
  id: number;
  buffer: ArrayBuffer;
  /** Where the column starts in `buffer`, in bytes, and its number of values. */
  offset: number;
  length: number;
}

/** A column's finite values sorted in place, and how many distinct ones there are. */
export function sortNumbers(values: Float64Array): { sorted: Float64Array; distinct: number } {
  const sorted = sortDoubles(values);
  let distinct = sorted.length ? 1 : 0;
  for (let i = 1; i < sorted.length; i++) if (sorted[i] !== sorted[i - 1]) distinct++;
  return { sorted, distinct };
}
