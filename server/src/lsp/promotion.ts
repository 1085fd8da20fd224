import * as path from 'node:path';
import type { Connection } from 'vscode-languageserver/node';
import { NotebookAnalyzer } from '../core/notebook/analysis';
import { suggestStepId } from '../core/notebook/headings';
import type { Notebook } from '../core/notebook/notebook';
import { lockPathFor, parseLock } from '../core/pipeline/lockFile';
import { PipelineDocument } from '../core/promote/pipelineDocument';
import { promote } from '../core/promote/promote';
import { lastVersion, stepSourceStatus } from '../core/promote/status';
import { stepOfCells } from '../core/promote/stepOfCells';
import { pythonParser } from '../io/pythonParser';
import { loadNotebookFile, writeTargets } from '../io/files';
import type { Experiments } from './experiments';
import { NotebookStepsRequest, PromoteRequest, SuggestStepRequest, type InitializationOptions, type NotebookSnapshot, type NotebookStep } from '../protocol';
import { DEFAULT_UPDATE_RULES, updateRules } from '../core/python/updates';
import { onRequest } from './requests';
import type { Workspace } from './workspace';

/** The promotion requests: thin handlers over core/promote, with texts from the workspace. */
export function registerPromotion(connection: Connection, workspace: Workspace, experiments?: Pick<Experiments, 'descendants'>): { configure(options: InitializationOptions | undefined): void } {
  let analyzer: Promise<NotebookAnalyzer> | undefined;
  let rules = DEFAULT_UPDATE_RULES;
  const getAnalyzer = () => (analyzer ??= pythonParser().then((p) => new NotebookAnalyzer(p, undefined, rules)));

  onRequest(connection, PromoteRequest, async (params) => {
    const result = promote(
      {
        notebook: fromSnapshot(params.notebook),
        notebookPath: params.notebook.path,
        cells: params.cells,
        stepId: params.stepId,
        pipelinePath: params.pipelinePath,
        pipelineText: workspace.read(params.pipelinePath),
        lockText: workspace.read(lockPathFor(params.pipelinePath)),
        readFile: (file) => workspace.read(file),
        move: params.move,
      },
      await getAnalyzer(),
    );
      // The client writes the files; what would land outside the workspace (a `steps` folder linked out
      // of it, say) is refused here, before anything is written.
    writeTargets(result.files, workspace.rootFor(params.pipelinePath));
    if (result.files.length) workspace.notePipeline(params.pipelinePath);
    return result;
  });

  onRequest(connection, SuggestStepRequest, async (params) => {
    const nb = fromSnapshot(params.notebook);
    const text = workspace.read(params.pipelinePath);
    const doc = text === undefined ? undefined : PipelineDocument.parse(text, path.basename(params.pipelinePath));
    const steps = doc?.steps() ?? [];
    const notebookRef = path.relative(path.dirname(params.pipelinePath), params.notebook.path).split(path.sep).join('/');
    const lock = safeLock(workspace.read(lockPathFor(params.pipelinePath)));
    const existing = stepOfCells(steps, nb, notebookRef, params.cells, lock);
    const sorted = [...params.cells].sort((a, b) => a - b);
    const firstCode = sorted.find((i) => nb.cells[i]?.kind === 'code') ?? sorted[0] ?? 0;
    return existing ? { stepId: existing.id, existing: true } : { stepId: suggestStepId(nb, firstCode, steps.map((s) => s.id)), existing: false };
  });

  onRequest(connection, NotebookStepsRequest, async ({ notebook }) => {
    const nb = fromSnapshot(notebook);
    const steps: NotebookStep[] = [];
    for (const pipelinePath of workspace.pipelines()) {
      const text = workspace.read(pipelinePath);
      if (text === undefined) continue;
      let doc: PipelineDocument;
      try {
        doc = PipelineDocument.parse(text, path.basename(pipelinePath));
      } catch {
        continue; // the linter reports a broken pipeline file; it has no steps to show meanwhile
      }
      const lock = safeLock(workspace.read(lockPathFor(pipelinePath)));
      const dir = path.dirname(pipelinePath);
      for (const step of doc.steps()) {
        if (!step.source || path.resolve(dir, step.source.notebook) !== notebook.path) continue;
        const promoted = lastVersion(lock, step);
        const status = stepSourceStatus(step, (ref) => (path.resolve(dir, ref) === notebook.path ? nb : tryLoad(path.resolve(dir, ref), workspace.rootFor(pipelinePath))), promoted);
        const updates = step.reads.filter((r) => step.writes.includes(r));
        const descendants = experiments?.descendants(pipelinePath, step.id, step.version);
        const setup = promoted?.setup ?? [];
        const { stale, staleReason, currentCells: cells } = status;
        steps.push({ pipelinePath, stepId: step.id, version: step.version, reads: step.reads, writes: step.writes, updates, setup, stale, staleReason, cells, ...(descendants ? { descendants } : {}) });
      }
    }
    return { steps };
  });

  return {
    /** The client's settings, before any promotion: the analyzer is made once, with them. */
    configure(options) {
      const extra = Array.isArray(options?.inPlaceFunctions) ? options.inPlaceFunctions.filter((f): f is string => typeof f === 'string') : [];
      rules = updateRules(extra);
    },
  };
}

export function fromSnapshot(s: NotebookSnapshot): Notebook {
  return {
    path: s.path,
    nbformat: 4,
    nbformatMinor: s.cells.some((c) => c.id) ? 5 : 4,
    language: s.language?.toLowerCase(),
    cells: s.cells.map((c, index) => ({ index, kind: c.kind, source: c.source, tags: c.tags, ...(c.id ? { id: c.id } : {}) })),
  };
}

function tryLoad(file: string, root: string): Notebook | Error {
  try {
    return loadNotebookFile(file, file, root);
  } catch (err) {
    return err instanceof Error ? err : new Error(String(err));
  }
}

function safeLock(text: string | undefined) {
  try {
    return parseLock(text, 'lock');
  } catch {
    return undefined;
  }
}
