import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { CELLFLOW_VERSION } from '../core/version';
import { isUserError } from '../core/errors';
import { runLint } from './lintCommand';
import { runPipelineShow } from './pipelineCommand';
import { runPromote } from './promoteCommand';
import { runBench, runBenchHistory, runBenchProviders } from './benchCommand';
import { runDrift, runDriftHistory } from './driftCommand';
import { runLineage } from './lineageCommand';
import { runSweep } from './sweepCommand';
import { runMaturity } from './maturityCommand';
import { runGc, runRun } from './runCommand';
import { runClusterStart, runClusterStop } from './clusterCommand';
import { modelsAlias, modelsList, runsList, runsShow } from './storeCommands';
import { terminalSafe } from '../core/text/terminalSafe';
import { MAX_RUNS_PER_PAGE } from '../core/store/search';

const RUN_USAGE = 'cellflow run <file.cellflow.yaml> [--step <id> | --from <id>] [--force] [--dry-run] [--keep-going] [--param K=V]... [--executor python|jupyter|dask] [--jupyter-url <url>] [--scheduler tcp://H:P | --scheduler-file F] [--tls-ca F --tls-cert F --tls-key F] [--jobs N] [--python <exe>] [--json [--log-events]]';

const CLUSTER_USAGE = 'cellflow cluster start [--workers N] [--threads N] [--python <exe>] [--host 127.0.0.1] [--tls-ca F --tls-cert F --tls-key F] [--json]';
const DRIFT_USAGE = 'cellflow drift --reference <file|NAME@VERSION|NAME@ALIAS> --current <file> [--stattest <name>] [--threshold X] [--columns a,b] [--drift-share X] [--fail-on-drift] [--save [--model NAME@VERSION|NAME@ALIAS]] [--json [--log-progress]]';
const BENCH_USAGE = 'cellflow bench <model.onnx|NAME@VERSION|NAME@ALIAS> [--ep cpu,webgpu] [--batch 1,8,64] [--shape NAME=DIMS]... [--inputs <file.npy|file.csv>] [--threads N] [--warmup N] [--max-seconds S] [--graph-optimization disabled|basic|extended|all] [--outputs-on-gpu] [--save] [--fail-on-regression] [--json [--log-progress]]';
const SWEEP_USAGE = 'cellflow sweep <file.cellflow.yaml> --param NAME=VALUES... [--strategy grid|random] [--trials N] [--metric NAME --goal min|max] [--jobs N] [--python <exe>] [--json [--log-progress]]';
const LINEAGE_USAGE = 'cellflow lineage <run-id|NAME@VERSION|NAME@ALIAS|pipeline.cellflow.yaml#step|sha256:cell-hash> [--json]';
const PROMOTE_USAGE = 'cellflow promote <notebook.ipynb> --cells <list> --pipeline <file.cellflow.yaml> [--step <id>] [--move] [--in-place <function>]... [--json]';

const HELP = `cellflow ${CELLFLOW_VERSION}: notebook cells to versioned, linted, runnable ML pipelines

Usage:
  cellflow lint [paths...] [--json]   Lint pipeline files (*.cellflow.yaml); directories are searched.
                                      Prints what the editor shows; exits 1 when any error is found.
  ${PROMOTE_USAGE}
                                      Promote cells to a pipeline step (a new version if they changed).
                                      <list>: 0-based indices among all cells, ranges (3-5) or cell ids.
                                      --move takes cells that belong to another step out of it (else
                                      refused); --in-place names a function that changes its first
                                      argument (like random.shuffle), so a step calling it writes it.
  ${RUN_USAGE}
                                      Run the pipeline: each step in its own Python process, or all in
                                      one Jupyter kernel (--executor jupyter; a server on 127.0.0.1, or
                                      --jupyter-url with CELLFLOW_JUPYTER_TOKEN), reused when its code,
                                      modules, params, inputs, files and interpreter are unchanged.
                                      --executor dask: each step a task on a Dask cluster (the
                                      scheduler given, or the one cellflow cluster start started).
                                      Exit 1 when a step or check failed, 130 when cancelled.
  ${CLUSTER_USAGE}
                                      A Dask scheduler and N workers on 127.0.0.1 (--host to bind
                                      elsewhere) for --executor dask; tasks are never retried.
  cellflow cluster stop [--json]      Stop them.
  cellflow gc [--dry-run] [--json]    Remove run artifacts (.cellflow/artifacts/) that no cached step
                                      result and no recorded run refers to.
  cellflow pipeline show <file.cellflow.yaml> [--json]
                                      The steps, their dependencies, and whether their cells changed.
  ${DRIFT_USAGE}
                                      Per-column drift tests and data quality of the current data
                                      against the reference (CSV or Parquet); tests and thresholds as
                                      Evidently's defaults unless given. --save keeps the report in the
                                      store, against --model's version. Exit 1 with --fail-on-drift
                                      when the dataset drifted.
  cellflow drift history <NAME@VERSION|NAME@ALIAS> [--json]
                                      The drift reports kept against a model version, newest first.
  ${BENCH_USAGE}
                                      Inference latency (p50-p99.9), throughput and memory of an ONNX
                                      model per execution provider and batch size, measured until
                                      stable (the last 3 one-second windows within 10%). --save keeps
                                      it against the model version; a p50 or throughput more than 10%
                                      worse than the previous result on this machine is a regression
                                      (exit 1 with --fail-on-regression; 1 also for a failed run).
  cellflow bench providers [--json]   The execution providers this machine can run, and why not others.
  cellflow bench history [NAME] [--json]
                                      The benchmarks kept (of one model's versions), newest first.
  ${SWEEP_USAGE}
                                      The pipeline once per trial (VALUES: 0.01,0.1,1 or a range
                                      0.001:1:log[:COUNT]), reusing every step a trial's params leave
                                      alone; each trial a run tagged with the sweep; the best by
                                      --metric (a metric a step logged).
  ${LINEAGE_USAGE}
                                      The chain both ways: upstream the cells, step versions, runs and
                                      data it came from; downstream the model versions, benchmarks and
                                      drift reports it led to (stale, drifted and regressed marked).
  cellflow maturity [--ci-workflow] [--json]
                                      The workspace against the five-level MLOps maturity model (0 ad
                                      hoc to 4 optimized): each criterion met or not, with the
                                      evidence, and the next step to take. --ci-workflow prints a
                                      GitHub Actions workflow for it (lint, run, drift and bench gates).
  cellflow runs list [--filter <expr>] [--order-by <terms>] [--experiment <name>]
                     [--limit <n>] [--offset <n>] [--json]
                                      Logged runs with their params and latest metrics. <expr>:
                                      metrics.acc > 0.9 and (params.lr = "0.01" or tags.team = "a");
                                      <terms>: metrics.acc desc, start_time.
  cellflow runs show <run-id> [--max-points <n>] [--json]
                                      One run (an id or a unique prefix), with its metric history
                                      (--json: at most <n> points of each metric, default 1000,
                                      thinned to each stretch's lowest and highest value).
  cellflow models list [--json]       Registered models, their versions and aliases.
  cellflow models alias <name> <version> <alias>
                                      Point an alias (staging, production) at a version.
  cellflow python-path                The folder to put on PYTHONPATH for \`import cellflow\`.
  Store commands take --store <file>; else CELLFLOW_STORE, else .cellflow/cellflow.db in the
  workspace (the nearest folder up holding .cellflow/ or .git).
  cellflow --version                  Print the version.
  cellflow --help                     Print this help.

Exit codes: 0 no errors, 1 errors found, 2 bad usage or unreadable input.
`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(HELP);
    return command === undefined ? 2 : 0;
  }
  if (command === '--version' || command === '-v') {
    process.stdout.write(`${CELLFLOW_VERSION}\n`);
    return 0;
  }
  const run = COMMANDS[command];
  if (!run) {
    process.stderr.write(`cellflow: unknown command '${command}'. Run 'cellflow --help'.\n`);
    return 2;
  }
  return run(rest);
}

/** Each command parses its own arguments and returns the exit code. */
const COMMANDS: Record<string, (args: string[]) => Promise<number> | number> = {
  lint: (args) => {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } },
    });
    if (values.help) {
      process.stdout.write(HELP);
      return 0;
    }
    return runLint(positionals.length ? positionals : ['.'], { json: values.json ?? false });
  },
  promote: (args) => {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        cells: { type: 'string' },
        step: { type: 'string' },
        pipeline: { type: 'string' },
        move: { type: 'boolean', default: false },
        'in-place': { type: 'string', multiple: true },
        json: { type: 'boolean', default: false },
      },
    });
    if (positionals.length !== 1 || !values.cells || !values.pipeline) return usage(PROMOTE_USAGE);
    const { cells, pipeline } = values;
    return userErrors(() => runPromote({ notebook: positionals[0], cells, step: values.step, pipeline, json: values.json ?? false, move: values.move ?? false, inPlaceFunctions: values['in-place'] ?? [] }));
  },
  run: (args) => {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        step: { type: 'string' },
        from: { type: 'string' },
        force: { type: 'boolean', default: false },
        'dry-run': { type: 'boolean', default: false },
        'keep-going': { type: 'boolean', default: false },
        param: { type: 'string', multiple: true },
        executor: { type: 'string', default: 'python' },
        'jupyter-url': { type: 'string' },
        scheduler: { type: 'string' },
        'scheduler-file': { type: 'string' },
        'tls-ca': { type: 'string' },
        'tls-cert': { type: 'string' },
        'tls-key': { type: 'string' },
        jobs: { type: 'string' },
        python: { type: 'string' },
        store: { type: 'string' },
        json: { type: 'boolean', default: false },
        'log-events': { type: 'boolean', default: false },
      },
    });
    if (positionals.length !== 1) return usage(RUN_USAGE);
    return userErrors(() =>
      runRun(
        {
          pipeline: positionals[0],
          step: values.step,
          from: values.from,
          force: values.force ?? false,
          dryRun: values['dry-run'] ?? false,
          keepGoing: values['keep-going'] ?? false,
          params: values.param ?? [],
          executor: values.executor ?? 'python',
          jupyterUrl: values['jupyter-url'],
          scheduler: values.scheduler,
          schedulerFile: values['scheduler-file'],
          tlsCa: values['tls-ca'],
          tlsCert: values['tls-cert'],
          tlsKey: values['tls-key'],
          jobs: values.jobs,
          python: values.python,
          store: values.store,
          json: values.json ?? false,
          logEvents: values['log-events'] ?? false,
        },
        path.resolve(__dirname, '..', 'python'),
      ),
    );
  },
  cluster: (args) => {
    const [sub, ...more] = args;
    if (sub === 'stop') {
      const { values } = parseArgs({ args: more, options: { json: { type: 'boolean', default: false } } });
      return userErrors(() => runClusterStop(values.json ?? false));
    }
    if (sub !== 'start') return usage(CLUSTER_USAGE);
    const { values } = parseArgs({
      args: more,
      options: {
        workers: { type: 'string' },
        threads: { type: 'string' },
        python: { type: 'string' },
        host: { type: 'string' },
        'tls-ca': { type: 'string' },
        'tls-cert': { type: 'string' },
        'tls-key': { type: 'string' },
        json: { type: 'boolean', default: false },
      },
    });
    return userErrors(() => runClusterStart({ workers: values.workers, threads: values.threads, python: values.python, host: values.host, tlsCa: values['tls-ca'], tlsCert: values['tls-cert'], tlsKey: values['tls-key'], json: values.json ?? false }));
  },
  drift: (args) => {
    if (args[0] === 'history') {
      const { values, positionals } = parseArgs({ args: args.slice(1), allowPositionals: true, options: { json: { type: 'boolean', default: false }, store: { type: 'string' } } });
      if (positionals.length !== 1) return usage('cellflow drift history <NAME@VERSION|NAME@ALIAS> [--json]');
      return userErrors(async () => runDriftHistory(positionals[0], values.json ?? false, values.store));
    }
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        reference: { type: 'string' },
        current: { type: 'string' },
        stattest: { type: 'string' },
        threshold: { type: 'string' },
        columns: { type: 'string' },
        'drift-share': { type: 'string' },
        'fail-on-drift': { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        save: { type: 'boolean', default: false },
        model: { type: 'string' },
        store: { type: 'string' },
        python: { type: 'string' },
        'log-progress': { type: 'boolean', default: false },
      },
    });
    if (positionals.length || !values.reference || !values.current) return usage(DRIFT_USAGE);
    return userErrors(() =>
      runDrift({
        reference: values.reference,
        current: values.current,
        stattest: values.stattest,
        threshold: values.threshold,
        columns: values.columns,
        driftShare: values['drift-share'],
        failOnDrift: values['fail-on-drift'] ?? false,
        json: values.json ?? false,
        save: values.save ?? false,
        model: values.model,
        store: values.store,
        python: values.python,
        logProgress: values['log-progress'] ?? false,
      }),
    );
  },
  bench: (args) => {
    if (args[0] === 'providers') {
      const { values } = parseArgs({ args: args.slice(1), options: { json: { type: 'boolean', default: false } } });
      return userErrors(() => runBenchProviders(values.json ?? false));
    }
    if (args[0] === 'history') {
      const { values, positionals } = parseArgs({ args: args.slice(1), allowPositionals: true, options: { json: { type: 'boolean', default: false }, store: { type: 'string' } } });
      if (positionals.length > 1) return usage('cellflow bench history [NAME|FILE.onnx] [--json]');
      return userErrors(async () => runBenchHistory(positionals[0], values.json ?? false, values.store));
    }
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        ep: { type: 'string' },
        batch: { type: 'string' },
        shape: { type: 'string', multiple: true, default: [] },
        inputs: { type: 'string' },
        threads: { type: 'string' },
        warmup: { type: 'string' },
        'max-seconds': { type: 'string' },
        'graph-optimization': { type: 'string' },
        'outputs-on-gpu': { type: 'boolean', default: false },
        save: { type: 'boolean', default: false },
        'fail-on-regression': { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        'log-progress': { type: 'boolean', default: false },
        store: { type: 'string' },
      },
    });
    if (positionals.length !== 1) return usage(BENCH_USAGE);
    return userErrors(() =>
      runBench({
        model: positionals[0],
        ep: values.ep,
        batch: values.batch,
        shape: values.shape ?? [],
        inputs: values.inputs,
        threads: values.threads,
        warmup: values.warmup,
        maxSeconds: values['max-seconds'],
        graphOptimization: values['graph-optimization'],
        outputsOnGpu: values['outputs-on-gpu'] ?? false,
        save: values.save ?? false,
        failOnRegression: values['fail-on-regression'] ?? false,
        json: values.json ?? false,
        logProgress: values['log-progress'] ?? false,
        store: values.store,
      }),
    );
  },
  sweep: (args) => {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        param: { type: 'string', multiple: true, default: [] },
        strategy: { type: 'string' },
        trials: { type: 'string' },
        metric: { type: 'string' },
        goal: { type: 'string' },
        jobs: { type: 'string' },
        executor: { type: 'string', default: 'python' },
        python: { type: 'string' },
        store: { type: 'string' },
        json: { type: 'boolean', default: false },
        'log-progress': { type: 'boolean', default: false },
      },
    });
    if (positionals.length !== 1) return usage(SWEEP_USAGE);
    return userErrors(() =>
      runSweep(
        { pipeline: positionals[0], param: values.param ?? [], strategy: values.strategy, trials: values.trials, metric: values.metric, goal: values.goal, jobs: values.jobs, executor: values.executor ?? 'python', python: values.python, store: values.store, json: values.json ?? false, logProgress: values['log-progress'] ?? false },
        path.resolve(__dirname, '..', 'python'),
      ),
    );
  },
  maturity: (args) => {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { json: { type: 'boolean', default: false }, 'ci-workflow': { type: 'boolean', default: false }, store: { type: 'string' } } });
    if (positionals.length) return usage('cellflow maturity [--ci-workflow] [--json]');
    return userErrors(async () => runMaturity(values.json ?? false, values.store, values['ci-workflow'] ?? false));
  },
  lineage: (args) => {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { json: { type: 'boolean', default: false }, store: { type: 'string' } } });
    if (positionals.length !== 1) return usage(LINEAGE_USAGE);
    return userErrors(async () => runLineage(positionals[0], values.json ?? false, values.store));
  },
  gc: (args) => {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { 'dry-run': { type: 'boolean', default: false }, store: { type: 'string' }, json: { type: 'boolean', default: false } } });
    if (positionals.length) return usage('cellflow gc [--dry-run] [--store <file>] [--json]');
    return userErrors(async () => runGc({ dryRun: values['dry-run'] ?? false, json: values.json ?? false, store: values.store }));
  },
  pipeline: ([sub, ...args]) => {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { json: { type: 'boolean', default: false } } });
    if (sub !== 'show' || positionals.length !== 1) return usage('cellflow pipeline show <file.cellflow.yaml> [--json]');
    return userErrors(async () => runPipelineShow(positionals[0], values.json ?? false));
  },
  runs: ([sub, ...args]) => {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        filter: { type: 'string' },
        'order-by': { type: 'string' },
        experiment: { type: 'string' },
        limit: { type: 'string' },
        offset: { type: 'string' },
        store: { type: 'string' },
        'max-points': { type: 'string' },
        json: { type: 'boolean', default: false },
      },
    });
    const json = values.json ?? false;
    if (sub === 'list' && positionals.length === 0) {
      const limit = wholeNumber(values.limit, '--limit', 1, MAX_RUNS_PER_PAGE);
      const offset = wholeNumber(values.offset, '--offset', 0, Number.MAX_SAFE_INTEGER);
      if (limit === null || offset === null) return 2;
      return userErrors(async () => runsList({ filter: values.filter, orderBy: values['order-by'], experiment: values.experiment, limit, offset, store: values.store, json }));
    }
    if (sub === 'show' && positionals.length === 1) {
      const maxPoints = wholeNumber(values['max-points'], '--max-points', 4, Number.MAX_SAFE_INTEGER);
      if (maxPoints === null) return 2;
      return userErrors(async () => runsShow(positionals[0], { store: values.store, json, maxPoints }));
    }
    return usage('cellflow runs list [--filter <expr>] [--order-by <terms>] [--json] | cellflow runs show <run-id> [--json]');
  },
  models: ([sub, ...args]) => {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { store: { type: 'string' }, json: { type: 'boolean', default: false } } });
    if (sub === 'list' && positionals.length === 0) return userErrors(async () => modelsList({ store: values.store, json: values.json ?? false }));
    if (sub === 'alias' && positionals.length === 3) return userErrors(async () => modelsAlias(positionals[0], positionals[1], positionals[2], { store: values.store }));
    return usage('cellflow models list [--json] | cellflow models alias <name> <version> <alias>');
  },
  'python-path': () => {
    // dist/cli/cellflow.js -> dist/python, where the build puts the client.
    process.stdout.write(`${path.resolve(__dirname, '..', 'python')}\n`);
    return 0;
  },
};

function usage(text: string): number {
  process.stderr.write(`usage: ${text}\n`);
  return 2;
}

/** A whole-number option, or null (with a message) when it is not one. */
function wholeNumber(text: string | undefined, name: string, min: number, max: number): number | undefined | null {
  if (text === undefined) return undefined;
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (n >= min && n <= max) return n;
  process.stderr.write(`cellflow: ${name} takes a whole number from ${min} to ${max}, not "${terminalSafe(text)}"\n`);
  return null;
}

/** Problems with the user's files print as one clear line and exit 2; anything else is a bug. */
async function userErrors(run: () => Promise<number>): Promise<number> {
  try {
    return await run();
  } catch (err) {
    if (isUserError(err)) {
      process.stderr.write(`cellflow: ${terminalSafe(err.message)}\n`);
      return 2;
    }
    throw err;
  }
}

// `cellflow … | head` closes the pipe early; that is not an error worth a stack trace.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    // Usage errors from parseArgs carry a clear message; anything else is a bug worth its stack.
    const usage = err instanceof Error && 'code' in err && String((err as { code: unknown }).code).startsWith('ERR_PARSE_ARGS');
    process.stderr.write(`cellflow: ${usage ? (err as Error).message : err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 2;
  },
);
