import { parseLock, serializeLock } from '../lockFile';
import type { PipelineModel } from '../model';
import type { ParsedPipeline } from '../parse';
import { Step } from '../schema';
import type { TextEdit } from './edits';
import { targetAt } from './locate';

/** The step id under `offset`, if a rename can start there. */
export function prepareRename(parsed: ParsedPipeline, model: PipelineModel, offset: number): { start: number; end: number; placeholder: string } | undefined {
  const t = targetAt(parsed, model, offset);
  if (t?.kind === 'step-id') return { start: t.step.id!.node.start + t.step.base, end: t.step.id!.node.end + t.step.base, placeholder: t.id };
  if (t?.kind === 'depends-on') return { start: t.item.node.start + t.step.base, end: t.item.node.end + t.step.base, placeholder: t.id };
  return undefined;
}

export type RenameResult = { edits: TextEdit[]; lockText?: string } | { error: string };

/**
 * Renames a step: its id and every depends-on entry naming it, and its history in the lock file so
 * later promotions still find it. The code file keeps its name.
 */
export function renameStep(parsed: ParsedPipeline, model: PipelineModel, offset: number, newName: string, lockText?: string): RenameResult {
  const target = prepareRename(parsed, model, offset);
  if (!target) return { error: 'Only a step id can be renamed here.' };
  const check = Step.shape.id.safeParse(newName);
  if (!check.success) return { error: `\`${newName}\` is not a valid step id: ${check.error.issues[0].message}.` };
  const old = target.placeholder;
  if (newName === old) return { edits: [] };
  if (model.steps.some((s) => s.id?.value === newName)) return { error: `There already is a step \`${newName}\`.` };
  const edits: TextEdit[] = [];
  for (const s of model.steps) {
    if (s.id?.value === old) edits.push({ start: s.id.node.start + s.base, end: s.id.node.end + s.base, newText: newName });
    for (const d of s.dependsOn) if (d.value === old) edits.push({ start: d.node.start + s.base, end: d.node.end + s.base, newText: newName });
  }
  let newLock: string | undefined;
  if (lockText !== undefined) {
    try {
      const lock = parseLock(lockText, 'lock');
      if (lock.steps[old]) {
        lock.steps[newName] = lock.steps[old];
        delete lock.steps[old];
        for (const h of Object.values(lock.steps)) h.inferredDependsOn = h.inferredDependsOn.map((d) => (d === old ? newName : d));
        newLock = serializeLock(lock);
      }
    } catch {
      // A damaged lock file stays as it is; promotion will say so.
    }
  }
  return { edits, ...(newLock !== undefined ? { lockText: newLock } : {}) };
}
