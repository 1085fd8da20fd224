import * as path from 'node:path';
import { URI } from 'vscode-uri';
import type { LintContext } from '../../server/src/core/pipeline/lintContext';
import { FileCheckCache } from '../../server/src/core/pipeline/fileChecks';
import { PipelineLinter } from '../../server/src/core/pipeline/lint';
import { diskContext } from '../../server/src/io/diskContext';
import { parseYaml } from '../../server/src/core/yaml/positionedYaml';
import { LspClient } from '../support/lspClient';
import { DIST, ROOT } from '../support/paths';
import { bigWorkspace } from './bigWorkspace';
import { median, p90, report, sample } from './stats';

const STEPS = 1000;
const TARGET_FULL_MS = 50;
const TARGET_EDIT_MS = 10;
const TARGET_RSS_MB = 150;
/** Edits over LSP: enough for the server's JIT to settle, as it does while a user types. */
const EDITS = 101;
/** yaml-language-server takes most of a second per edit: fewer of them give a stable median. */
const REFERENCE_EDITS = 25;
/**
 * Close and reopen in the warm server: a cold parse and lint, with file caches warm. The first few
 * are untimed, as in process, so the JIT has compiled the cold-parse path (edits take another path).
 */
const REOPENS = 15;
const REOPEN_WARMUP = 5;

/** The server's way of knowing files: read once, then kept (the watcher tells it of changes). */
function cached(context: LintContext): LintContext {
  const exists = new Map<string, boolean>();
  const hashes = new Map<string, string | undefined>();
  const notebooks = new Map<string, ReturnType<LintContext['notebook']>>();
  const refusals = new Map<string, ReturnType<NonNullable<LintContext['refused']>>>();
  const lock = context.lockText();
  return {
    pipelinePath: context.pipelinePath,
    refused: (f) => (refusals.has(f) ? refusals.get(f) : (refusals.set(f, context.refused?.(f)), refusals.get(f))),
    exists: (f) => (exists.has(f) ? exists.get(f)! : (exists.set(f, context.exists(f)), exists.get(f)!)),
    fileHash: (f) => (hashes.has(f) ? hashes.get(f) : (hashes.set(f, context.fileHash(f)), hashes.get(f))),
    notebook: (f) => (notebooks.has(f) ? notebooks.get(f) : (notebooks.set(f, context.notebook(f)), notebooks.get(f))),
    lockText: () => lock,
    generation: () => 0,
  };
}

/** Where the benchmark types: inside the name the middle step writes, so the text stays valid. */
function editOffset(text: string): number {
  const needle = `writes: [x${STEPS / 2}]`;
  return text.indexOf(needle) + needle.length - 1;
}

/** A one-character edit in the middle step, alternately made and undone. */
function edits(text: string): string[] {
  const at = editOffset(text);
  return Array.from({ length: 25 }, (_, i) => (i % 2 === 0 ? `${text.slice(0, at)}y${text.slice(at)}` : text));
}

/**
 * Full diagnostics of a generated 1,000-step pipeline (syntax, schema, graph, files and versions) and
 * the latency of a one-character edit, in process and over LSP, beside yaml-language-server validating
 * the same file against Cellflow's JSON Schema (syntax and schema only).
 */
export async function benchPipelineLint(): Promise<Record<string, unknown>> {
  const ws = bigWorkspace(STEPS);
  try {
    console.log(`\nPipeline diagnostics: generated ${STEPS}-step pipeline (${(ws.text.length / 1024).toFixed(0)} KB, clean; with notebook, step files and lock)`);
    const parsed = parseYaml(ws.text);
    const json = JSON.stringify(parsed.ok ? parsed.documents[0].value : null);
    const baseline = sample(() => JSON.parse(json), 21);
    const context = cached(diskContext(ws.pipeline));
    // The pipeline's file check caches, warm as in the server, which keeps them per pipeline path: each
    // full lint is a new linter (a cold parse), as when the server reopens the document.
    const files = new FileCheckCache();
    const check = new PipelineLinter({ files }).lint(ws.text, { context }).diagnostics;
    if (check.length) throw new Error(`the generated pipeline should lint clean: ${JSON.stringify(check.slice(0, 3))}`);
    const full = sample(() => new PipelineLinter({ files }).lint(ws.text, { context }), 21);
    const linter = new PipelineLinter({ files });
    linter.lint(ws.text, { context });
    const texts = edits(ws.text);
    let e = 0;
    const edit = sample(() => linter.lint(texts[e++ % texts.length], { context }), 41);
    console.log('  in process (median of runs):');
    console.log(report('baseline: JSON.parse of the same data', median(baseline), {}));
    console.log(report('full diagnostics, cold parse', median(full), { target: TARGET_FULL_MS, baseline: { label: 'JSON.parse', value: median(baseline) } }));
    console.log(report('one-character edit', median(edit), { target: TARGET_EDIT_MS }));
    console.log(`  ${''.padEnd(44)}p90 full ${p90(full).toFixed(1)} ms, edit ${p90(edit).toFixed(1)} ms`);

    const cellflow = await overLsp('cellflow', ws, undefined, EDITS, REOPENS);
    const yamlLs = await overLsp('yaml-language-server', ws, path.join(ROOT, 'node_modules', 'yaml-language-server', 'bin', 'yaml-language-server'), REFERENCE_EDITS, 0);
    console.log('  over LSP, from didOpen/didChange to publishDiagnostics:');
    console.log(report('cellflow: reopen → full diagnostics', cellflow.reopenMs!, { target: TARGET_FULL_MS }));
    console.log(report('cellflow: first open in a fresh server', cellflow.openMs, {}));
    console.log(`  ${''.padEnd(44)}(JIT cold; reads the notebook and all 1,000 step files; no target)`);
    console.log(report('yaml-language-server: first open', yamlLs.openMs, { baseline: { label: 'cellflow', value: cellflow.openMs } }));
    console.log(report('cellflow: one-character edit', cellflow.editMs, { target: TARGET_EDIT_MS }));
    console.log(report('yaml-language-server: one-character edit', yamlLs.editMs, { baseline: { label: 'cellflow', value: cellflow.editMs } }));
    console.log(`  resident memory with the file open: cellflow ${cellflow.rssMb.toFixed(0)} MB (target < ${TARGET_RSS_MB} MB ${cellflow.rssMb < TARGET_RSS_MB ? 'PASS' : 'FAIL'}; ${cellflow.rssAfterEditsMb.toFixed(0)} MB after its edits, the heap not yet collected), yaml-language-server ${yamlLs.rssMb.toFixed(0)} MB`);
    console.log(`  yaml-language-server over cellflow: open ${(yamlLs.openMs / cellflow.openMs).toFixed(1)}x slower, edit ${(yamlLs.editMs / cellflow.editMs).toFixed(1)}x slower; it checks syntax and schema only, cellflow also the graph, files and versions`);
    return {
      steps: STEPS,
      bytes: ws.text.length,
      inProcess: { jsonParseMs: median(baseline), fullMs: median(full), fullP90Ms: p90(full), editMs: median(edit), editP90Ms: p90(edit) },
      overLsp: { cellflow, yamlLanguageServer: yamlLs },
      targets: { fullMs: TARGET_FULL_MS, editMs: TARGET_EDIT_MS, rssMb: TARGET_RSS_MB },
    };
  } finally {
    ws.cleanup();
  }
}

interface LspFigures {
  openMs: number;
  reopenMs?: number;
  editMs: number;
  editP90Ms: number;
  rssMb: number;
  rssAfterEditsMb: number;
}

async function overLsp(name: string, ws: ReturnType<typeof bigWorkspace>, server: string | undefined, edits: number, reopens: number): Promise<LspFigures> {
  const schema = URI.file(path.join(DIST, 'schema', 'pipeline.schema.json')).toString();
  const settings = { yaml: { validate: true, schemas: { [schema]: ['*.cellflow.yaml'] }, schemaStore: { enable: false }, format: { enable: false }, hover: false, completion: false } };
  const lsp = new LspClient({ server, configuration: (section) => (section === 'yaml' ? settings.yaml : section ? undefined : settings) });
  try {
    await lsp.initialize(ws.dir);
    if (server) await lsp.connection.sendNotification('workspace/didChangeConfiguration', { settings });
    const uri = URI.file(ws.pipeline).toString();
    const t0 = performance.now();
    await lsp.open(uri, ws.text, server ? 'yaml' : 'cellflow-pipeline');
    await lsp.publication(uri, 1, 60_000);
    const openMs = performance.now() - t0;
    const rssOpenMb = lsp.rssBytes() / (1024 * 1024);
    // Incremental changes of one character, as an editor sends them.
    const at = editOffset(ws.text);
    const lineText = ws.text.slice(0, at).split('\n');
    const pos = { line: lineText.length - 1, character: lineText[lineText.length - 1].length };
    const times: number[] = [];
    for (let i = 0; i < edits; i++) {
      const before = lsp.publications(uri);
      const t = performance.now();
      const change = i % 2 === 0 ? { range: { start: pos, end: pos }, text: 'y' } : { range: { start: pos, end: { line: pos.line, character: pos.character + 1 } }, text: '' };
      await lsp.change(uri, [change]);
      await lsp.publication(uri, before + 1, 60_000);
      times.push(performance.now() - t);
    }
    const rssAfterEditsMb = lsp.rssBytes() / (1024 * 1024);
    // Cellflow answers a close with an empty publication; the reopen's is the one after it.
    const reopenTimes: number[] = [];
    for (let i = 0; i < (reopens ? reopens + REOPEN_WARMUP : 0); i++) {
      const before = lsp.publications(uri);
      await lsp.close(uri);
      await lsp.publication(uri, before + 1, 60_000);
      const t = performance.now();
      await lsp.open(uri, ws.text);
      await lsp.publication(uri, before + 2, 60_000);
      if (i >= REOPEN_WARMUP) reopenTimes.push(performance.now() - t);
    }
    const reopenMs = reopens ? median(reopenTimes) : undefined;
    console.log(`    ${name}: open ${openMs.toFixed(0)} ms, ${edits} edits median ${median(times).toFixed(1)} ms${reopenMs === undefined ? '' : `, ${reopens} reopens median ${reopenMs.toFixed(1)} ms (p90 ${p90(reopenTimes).toFixed(1)})`}; resident ${rssOpenMb.toFixed(0)} MB once open, ${rssAfterEditsMb.toFixed(0)} MB after the edits`);
    return { openMs, reopenMs, editMs: median(times), editP90Ms: p90(times), rssMb: rssOpenMb, rssAfterEditsMb };
  } finally {
    lsp.kill();
  }
}
