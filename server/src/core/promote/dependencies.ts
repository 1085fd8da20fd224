/**
 * The steps a step depends on, from data: for each name it reads, the last step before it that writes
 * that name.
 */
export function inferDependsOn(steps: ReadonlyArray<{ id: string; reads: string[]; writes: string[] }>, index: number): string[] {
  const out: string[] = [];
  for (const name of steps[index].reads) {
    for (let j = index - 1; j >= 0; j--) {
      if (steps[j].writes.includes(name)) {
        if (!out.includes(steps[j].id)) out.push(steps[j].id);
        break;
      }
    }
  }
  return out;
}
