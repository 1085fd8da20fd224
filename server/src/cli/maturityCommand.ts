import * as fs from 'node:fs';
import * as path from 'node:path';
import { assess, type Assessment } from '../core/maturity/assess';
import { terminalSafe as safe } from '../core/text/terminalSafe';
import { findWorkspaceRoot, storePath } from '../io/storeLocation';
import { ciWorkflow } from '../core/maturity/workflow';
import { gatherEvidence } from '../services/maturity/gather';
import { workflowInputs } from '../services/maturity/workflowInputs';
import { refuseLinkedOut } from '../services/store/db';
import { Store } from '../services/store/store';

/** `cellflow maturity [--json]`: the workspace against the five-level MLOps maturity model, with the next step. */
export function runMaturity(json: boolean, storeFile?: string, ciWorkflow = false): number {
  if (ciWorkflow) return printWorkflow(json, storeFile);
  const a = assessWorkspace(findWorkspaceRoot(process.cwd()), storeFile);
  if (json) {
    process.stdout.write(`${JSON.stringify({ level: a.level, label: a.label, criteria: a.criteria, ...(a.nextStep ? { nextStep: a.nextStep.id } : {}) })}\n`);
    return 0;
  }
  const lines = [`Level ${a.level} (${a.label}) of 4.`, ''];
  for (const c of a.criteria) lines.push(`  ${c.met ? '✓' : '✗'} L${c.level} ${c.title}: ${safe(c.evidence)}${c.met ? '' : `\n      next: ${safe(c.next ?? '')}`}`);
  if (a.nextStep) lines.push('', `Next step: ${safe(a.nextStep.next ?? a.nextStep.title)}`);
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}

export function assessWorkspace(root: string, storeFile?: string): Assessment {
  return withStore(root, storeFile, (store) => assess(gatherEvidence(root, store)));
}

/** `cellflow maturity --ci-workflow`: the GitHub Actions workflow for this workspace, to review before saving. */
function printWorkflow(json: boolean, storeFile?: string): number {
  const root = findWorkspaceRoot(process.cwd());
  const { file, ...inputs } = withStore(root, storeFile, (store) => workflowInputs(root, store));
  const text = ciWorkflow(inputs);
  process.stdout.write(json ? `${JSON.stringify({ path: file, text })}\n` : text);
  return 0;
}

function withStore<T>(root: string, storeFile: string | undefined, use: (store: Store | undefined) => T): T {
  const file = storeFile ? path.resolve(storeFile) : storePath(root);
  refuseLinkedOut(file, root);
  const store = fs.existsSync(file) ? new Store(file, root, { readonly: true }) : undefined;
  try {
    return use(store);
  } finally {
    store?.close();
  }
}
