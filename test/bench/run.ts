import * as fs from 'node:fs';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { startCodeServer } from '../harness/codeServer';
import { runEditorSuite } from '../harness/runSuite';
import { DIST, ROOT } from '../support/paths';
import { benchCancel } from './cancel';
import { benchDask } from './dask';
import { benchDrift } from './drift';
import { benchInfer } from './infer';
import { benchLineage } from './lineage';
import { benchNotebookAnalysis } from './notebookAnalysis';
import { benchPipelineLint } from './pipelineLint';
import { benchRunner } from './runner';
import { benchStore } from './store';
import { median } from './stats';

interface ActivationSample {
  cellflowMs: number;
  baselineId?: string;
  baselineMs?: number;
  nativeModules: string[];
}

const ACTIVATION_TARGET_MS = 150;
const SESSIONS = 5;

const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;

function bundleSizes(): Array<{ bundle: string; bytes: number; gzipBytes: number }> {
  return ['client/extension.js', 'client/languageServer.js', 'client/experiments.js', 'media/compare.js', 'media/compare.css', 'server/server.js', 'cli/cellflow.js'].map((b) => {
    const data = fs.readFileSync(path.join(DIST, b));
    return { bundle: `dist/${b}`, bytes: data.length, gzipBytes: gzipSync(data).length };
  });
}

/** Activation in the real editor, one fresh extension host per sample. */
async function activation(): Promise<ActivationSample[]> {
  const server = await startCodeServer();
  const samples: ActivationSample[] = [];
  try {
    for (let i = 0; i < SESSIONS; i++) {
      let sample: ActivationSample | undefined;
      const r = await runEditorSuite({
        suite: path.join(ROOT, 'out', 'test', 'bench-editor', 'index.js'),
        server,
        onLog: (line) => {
          const m = /CELLFLOW_BENCH (.*)$/.exec(line);
          if (m) sample = JSON.parse(m[1]);
        },
      });
      if (r.exitCode !== 0 || !sample) throw new Error(`activation bench session failed (${r.exitCode}):\n${r.log.join('\n')}`);
      samples.push(sample);
    }
  } finally {
    await server.stop();
  }
  return samples;
}

/** `npm run bench -- --only lint` runs one section: notebook, lint, store, run, cancel, dask, drift, infer, lineage, bundles, activation. */
async function main(): Promise<void> {
  const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;
  const want = (section: string) => !only || only === section;
  const results: Record<string, unknown> = {};
  if (want('lint')) results.pipelineLint = await benchPipelineLint();
  if (want('notebook')) results.notebookAnalysis = await benchNotebookAnalysis();
  if (want('store')) results.store = benchStore();
  if (want('run')) results.run = await benchRunner();
  if (want('cancel')) results.cancel = await benchCancel();
  if (want('dask')) results.dask = await benchDask();
  if (want('drift')) results.drift = benchDrift();
  if (want('infer')) results.infer = await benchInfer();
  if (want('lineage')) results.lineage = benchLineage();
  if (want('bundles') || want('activation')) await editorBench(results, want);
  fs.mkdirSync(path.join(ROOT, 'test-results'), { recursive: true });
  fs.writeFileSync(path.join(ROOT, 'test-results', 'bench.json'), `${JSON.stringify(results, null, 2)}\n`);
  console.log('\nWrote test-results/bench.json');
}

async function editorBench(results: Record<string, unknown>, want: (s: string) => boolean): Promise<void> {
  if (!want('bundles')) return activationBench(results);
  const sizes = bundleSizes();
  results.bundles = sizes;
  console.log('\nBundle sizes');
  for (const s of sizes) console.log(`  ${s.bundle.padEnd(26)} ${kb(s.bytes).padStart(10)}  (gzip ${kb(s.gzipBytes)})`);

  if (want('activation')) await activationBench(results);
}

async function activationBench(results: Record<string, unknown>): Promise<void> {
  console.log(`\nActivation in code-server 4.100.3 (median of ${SESSIONS} fresh extension hosts, each timed once its start-up has settled)`);
  const samples = await activation();
  const ours = median(samples.map((s) => s.cellflowMs));
  const baselineSamples = samples.filter((s) => s.baselineMs !== undefined);
  const base = baselineSamples.length ? median(baselineSamples.map((s) => s.baselineMs!)) : undefined;
  const natives = [...new Set(samples.flatMap((s) => s.nativeModules))];
  results.activation = { medianMs: ours, samplesMs: samples.map((s) => s.cellflowMs), targetMs: ACTIVATION_TARGET_MS, baselineId: baselineSamples[0]?.baselineId, baselineMedianMs: base, nativeModulesLoaded: natives };
  console.log(`  cellflow activation        ${ours.toFixed(1).padStart(7)} ms   target < ${ACTIVATION_TARGET_MS} ms: ${(ours / ACTIVATION_TARGET_MS).toFixed(2)}x of budget ${ours < ACTIVATION_TARGET_MS ? 'PASS' : 'FAIL'}`);
  if (base !== undefined) console.log(`  baseline ${baselineSamples[0].baselineId!.padEnd(18)}${base.toFixed(1).padStart(7)} ms   cellflow / baseline = ${(ours / base).toFixed(2)}x`);
  console.log(`  samples: ${samples.map((s) => s.cellflowMs.toFixed(1)).join(', ')} ms`);
  console.log(`  native modules loaded by activation: ${natives.length ? natives.join(', ') : 'none'} (target: none) ${natives.length ? 'FAIL' : 'PASS'}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(1);
});
