import * as fs from 'node:fs';
import * as path from 'node:path';
import { regressions } from '../core/bench/compare';
import { parseDims } from '../core/bench/inputs';
import { DEFAULT_POLICY } from '../core/bench/measurement';
import { describeBenchProgress, type BenchProgress } from '../core/bench/progress';
import { environmentKey, type BenchReport } from '../core/bench/result';
import { InvalidInput } from '../core/errors';
import { terminalSafe as safe } from '../core/text/terminalSafe';
import { isInside } from '../core/workspacePath';
import { findWorkspaceRoot, storePath } from '../io/storeLocation';
import { benchmark, BenchFailed, type BenchOptions } from '../services/bench/benchmark';
import { inputsFromFile } from '../services/bench/inputFiles';
import { providers } from '../services/bench/onnxRuntime';
import { hashFile } from '../services/runner/fileDigests';
import { refuseLinkedOut } from '../services/store/db';
import { Store } from '../services/store/store';

export interface BenchArgs {
  model?: string;
  ep?: string;
  batch?: string;
  shape: string[];
  inputs?: string;
  threads?: string;
  warmup?: string;
  maxSeconds?: string;
  graphOptimization?: string;
  outputsOnGpu: boolean;
  save: boolean;
  failOnRegression: boolean;
  json: boolean;
  logProgress: boolean;
  store?: string;
}

const LEVELS = ['disabled', 'basic', 'extended', 'all'] as const;

/** `cellflow bench`: exit 0; 1 for a failed benchmark or, with --fail-on-regression, a regression; 2 for bad usage or an unreadable model. */
export async function runBench(args: BenchArgs): Promise<number> {
  if (!args.model) throw new InvalidInput('cellflow bench needs a model: a .onnx file, NAME@VERSION or NAME@ALIAS');
  const options = await optionsOf(args);
  const target = resolveModel(args);
  const sha256 = hashFile(target.file);
  const progress = progressOf(args);
  let report: Omit<BenchReport, 'regressions'>;
  try {
    report = await benchmark(target.file, target.shownAs, sha256, options, progress);
  } catch (err) {
    if (!(err instanceof BenchFailed)) throw err;
    progress(undefined);
    process.stderr.write(`cellflow: ${safe(err.message)}\n`);
    return 1;
  }
  progress(undefined);
  if (target.model) report.model.version = `${target.model.name}@${target.model.version}`;
  const envKey = environmentKey(report.environment);
  const previous = withStore(args, false, (store) => store.previousResults({ model: target.model, modelSha256: sha256, environmentKey: envKey }, report.results.map((r) => r.ep), options.batches)) ?? [];
  const full: BenchReport = { ...report, regressions: regressions(report.results, previous) };
  const saved = args.save ? withStore(args, true, (store) => store.saveBenchmark({ model: target.model, modelPath: target.stored, modelSha256: sha256, environmentKey: envKey, report: full })) : undefined;
  process.stdout.write(args.json ? `${JSON.stringify({ ...full, ...(saved ? { saved: { id: saved } } : {}) })}\n` : human(full, saved));
  return args.failOnRegression && full.regressions.length ? 1 : 0;
}

async function optionsOf(args: BenchArgs): Promise<BenchOptions> {
  const eps = args.ep?.split(',').map((e) => e.trim()).filter(Boolean);
  const batches = args.batch === undefined ? [1] : args.batch.split(',').map((b) => positive('--batch', b));
  const shapes: Record<string, number[]> = {};
  for (const s of args.shape) {
    const m = /^([^=]+)=(.+)$/.exec(s);
    if (!m) throw new InvalidInput(`--shape takes NAME=DIMS (input_ids=1x128, or sequence=128), not ${JSON.stringify(s)}`);
    shapes[m[1]] = parseDims(m[2], `--shape ${m[1]}`);
  }
  const level = args.graphOptimization ?? 'all';
  if (!(LEVELS as readonly string[]).includes(level)) throw new InvalidInput(`--graph-optimization takes ${LEVELS.join(', ')}, not ${JSON.stringify(level)}`);
  const maxMs = args.maxSeconds === undefined ? DEFAULT_POLICY.maxMs : 1000 * positive('--max-seconds', args.maxSeconds, true);
  const warmupRuns = args.warmup === undefined ? DEFAULT_POLICY.warmupRuns : nonNegative('--warmup', args.warmup);
  const inputs = args.inputs ? await inputsFromFile(path.resolve(args.inputs), args.inputs) : undefined;
  return {
    eps,
    batches,
    shapes,
    threads: args.threads === undefined ? 0 : nonNegative('--threads', args.threads),
    graphOptimizationLevel: level as BenchOptions['graphOptimizationLevel'],
    outputsOnGpu: args.outputsOnGpu,
    // --warmup N alone sets the warm-up by count (N = 0: none); the one-second floor stays for the default.
    policy: { ...DEFAULT_POLICY, maxMs, warmupRuns, warmupMs: args.warmup === undefined ? DEFAULT_POLICY.warmupMs : 0 },
    ...(inputs ? { inputsFor: inputs } : {}),
  };
}

/** A .onnx file, or the artifact of a model version (NAME@VERSION, NAME@ALIAS) when no such file exists. */
function resolveModel(args: BenchArgs): { file: string; shownAs: string; stored: string; model?: { name: string; version: number } } {
  const given = args.model!;
  const m = /^([^/\\@]+)@([^/\\@]+)$/.exec(given);
  if (!m || fs.existsSync(path.resolve(given))) {
    const file = path.resolve(given);
    if (!fs.existsSync(file)) throw new InvalidInput(`${given}: no such file`);
    if (!fs.statSync(file).isFile()) throw new InvalidInput(`${given}: not a file`);
    return { file, shownAs: given, stored: workspaceRelative(file) };
  }
  const found = withStore(args, false, (store, root) => {
    const model = store.resolveModelVersion(m[1], m[2]);
    const { artifactPath } = store.modelVersionArtifact(model);
    return { file: path.resolve(root, artifactPath), shownAs: `${model.name}@${model.version} (${artifactPath})`, stored: artifactPath, model };
  });
  if (!found) throw new InvalidInput(`${given}: no such file, and no store in this workspace to find a model version in`);
  if (!fs.existsSync(found.file)) throw new InvalidInput(`${found.shownAs}: the version's artifact is gone from the workspace`);
  return found;
}

/** A path as the store keeps it: relative to the workspace root when inside it. */
function workspaceRelative(file: string): string {
  const root = findWorkspaceRoot(process.cwd());
  return isInside(root, file) ? path.relative(root, file).split(path.sep).join('/') : file;
}

/** The workspace store, open for `use`; undefined when there is none and `create` is false. */
function withStore<T>(args: BenchArgs, create: boolean, use: (store: Store, root: string) => T): T | undefined {
  const root = findWorkspaceRoot(process.cwd());
  const file = args.store ? path.resolve(args.store) : storePath(root);
  refuseLinkedOut(file, root);
  if (!fs.existsSync(file)) {
    if (!create) return undefined;
    fs.mkdirSync(path.dirname(file), { recursive: true });
  }
  const store = new Store(file, root);
  try {
    return use(store, root);
  } finally {
    store.close();
  }
}

/** JSON lines with --json --log-progress (the editor's notification); a rewritten line on a terminal; nothing in CI logs. */
function progressOf(args: BenchArgs): (p: BenchProgress | undefined) => void {
  if (args.json) return args.logProgress ? (p) => p && process.stdout.write(`${JSON.stringify({ progress: p })}\n`) : () => undefined;
  if (!process.stderr.isTTY) return () => undefined;
  return (p) => process.stderr.write(p === undefined ? '\r\x1b[K' : `\r${safe(describeBenchProgress(p))}   `);
}

function positive(flag: string, raw: string, real = false): number {
  const x = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(x) || x <= 0 || (!real && !Number.isInteger(x))) throw new InvalidInput(`${flag} takes ${real ? 'a positive number' : 'positive integers'}, not ${JSON.stringify(raw)}`);
  return x;
}

function nonNegative(flag: string, raw: string): number {
  const x = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(x) || x < 0) throw new InvalidInput(`${flag} takes an integer of 0 or more, not ${JSON.stringify(raw)}`);
  return x;
}

function human(r: BenchReport, saved: string | undefined): string {
  const ms = (x: number) => (x < 1 ? x.toFixed(3) : x < 100 ? x.toFixed(2) : x.toFixed(0));
  const rows = [
    ['provider', 'batch', 'p50 ms', 'p90', 'p99', 'mean', 'std', 'inf/s', 'samples/s', 'runs', 'stable', 'first ms', 'session ms'],
    ...r.results.map((x) => [x.ep, String(x.batch), ms(x.p50Ms), ms(x.p90Ms), ms(x.p99Ms), ms(x.meanMs), ms(x.stdMs), x.throughputPerSec.toFixed(1), x.samplesPerSec.toFixed(0), String(x.iterations), x.stable ? 'yes' : 'NO', ms(x.firstInferenceMs), ms(x.sessionCreateMs)]),
  ];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  const lines = [`${safe(r.model.path)}  sha256 ${r.model.sha256.replace(/^sha256:/, '').slice(0, 12)}  onnxruntime ${r.environment.onnxruntime}, ${safe(r.environment.cpu)}${r.environment.gpu ? `, ${safe(r.environment.gpu)}` : ''}`, '', ...rows.map((row) => row.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd())];
  const unstable = r.results.filter((x) => !x.stable);
  if (unstable.length) lines.push('', `Unstable (stopped at --max-seconds, numbers over every window): ${unstable.map((x) => `${x.ep} batch ${x.batch}`).join(', ')}.`);
  if (r.fastest) lines.push('', `${r.fastest[0].toUpperCase()}${r.fastest.slice(1)}.`);
  for (const u of r.unavailable) lines.push(`Not measured: ${u.ep}: ${safe(u.reason)}.`);
  for (const g of r.regressions) lines.push(`REGRESSION ${g.ep} batch ${g.batch}: ${g.metric === 'p50Ms' ? `p50 ${ms(g.previous)} → ${ms(g.current)} ms` : `throughput ${g.previous.toFixed(1)} → ${g.current.toFixed(1)}/s`} (${(100 * g.change).toFixed(1)}% worse than ${g.against.model ?? 'the previous result'}).`);
  if (saved) lines.push('', `Saved as benchmark ${saved}${r.model.version ? ` of ${r.model.version}` : ''}.`);
  return `${lines.join('\n')}\n`;
}

/** `cellflow bench providers`: what this machine can run, and why not the others. */
export async function runBenchProviders(json: boolean): Promise<number> {
  const p = await providers();
  process.stdout.write(json ? `${JSON.stringify(p)}\n` : `${[...p.present.map((e) => `${e}: available`), ...p.unavailable.map((u) => `${u.ep}: ${u.reason}`)].join('\n')}\n`);
  return 0;
}

/** `cellflow bench history [NAME|FILE.onnx]`: the benchmarks kept, newest first (of one model's versions, or one file). */
export function runBenchHistory(model: string | undefined, json: boolean, storeFile?: string): number {
  // A model name (its versions), or an .onnx file by its path in the workspace.
  const file = model && /\.onnx$/i.test(model) ? workspaceRelative(path.resolve(model)) : undefined;
  const name = file ? undefined : model?.replace(/@.*$/, '');
  const all = withStore({ store: storeFile } as BenchArgs, false, (store) => store.benchmarks(name)) ?? [];
  const list = file ? all.filter((b) => b.modelPath === file) : all;
  if (json) process.stdout.write(`${JSON.stringify(list)}\n`);
  else if (!list.length) process.stdout.write(`No benchmark${name ? ` of ${safe(name)}` : ''} yet.\n`);
  else for (const b of list) process.stdout.write(`${new Date(b.createdAt).toISOString()}  ${b.model ? `${b.model.name}@${b.model.version}` : safe(b.modelPath)}  ${b.report.results.map((r) => `${r.ep}/b${r.batch} p50 ${r.p50Ms.toFixed(3)} ms`).join(', ')}${b.report.regressions.length ? '  REGRESSED' : ''}  (${b.id})\n`);
  return 0;
}
