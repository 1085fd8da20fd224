import { parseArgs } from 'node:util';
import { CELLFLOW_VERSION } from '../core/version';
import { FileProblem } from '../core/fileProblem';
import { runLint } from './lintCommand';
import { runPipelineShow } from './pipelineCommand';
import { runPromote } from './promoteCommand';

const HELP = `cellflow ${CELLFLOW_VERSION}: notebook cells to versioned, linted, runnable ML pipelines

Usage:
  cellflow lint [paths...] [--json]   Lint pipeline files (*.cellflow.yaml); directories are searched.
                                      Prints what the editor shows; exits 1 when any error is found.
  cellflow promote <notebook.ipynb> --cells <list> --pipeline <file.cellflow.yaml> [--step <id>] [--json]
                                      Promote cells to a pipeline step (a new version if they changed).
                                      <list>: 0-based indices among all cells, ranges (3-5) or cell ids.
  cellflow pipeline show <file.cellflow.yaml> [--json]
                                      The steps, their dependencies, and whether their cells changed.
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
  switch (command) {
    case 'lint': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: { json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } },
      });
      if (values.help) {
        process.stdout.write(HELP);
        return 0;
      }
      return runLint(positionals.length ? positionals : ['.'], { json: values.json ?? false });
    }
    case 'promote': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: { cells: { type: 'string' }, step: { type: 'string' }, pipeline: { type: 'string' }, json: { type: 'boolean', default: false } },
      });
      if (positionals.length !== 1 || !values.cells || !values.pipeline) {
        process.stderr.write('usage: cellflow promote <notebook.ipynb> --cells <list> --pipeline <file.cellflow.yaml> [--step <id>] [--json]\n');
        return 2;
      }
      return userErrors(() => runPromote({ notebook: positionals[0], cells: values.cells!, step: values.step, pipeline: values.pipeline!, json: values.json ?? false }));
    }
    case 'pipeline': {
      const [sub, ...args] = rest;
      const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { json: { type: 'boolean', default: false } } });
      if (sub !== 'show' || positionals.length !== 1) {
        process.stderr.write('usage: cellflow pipeline show <file.cellflow.yaml> [--json]\n');
        return 2;
      }
      return userErrors(async () => runPipelineShow(positionals[0], values.json ?? false));
    }
    default:
      process.stderr.write(`cellflow: unknown command '${command}'. Run 'cellflow --help'.\n`);
      return 2;
  }
}

/** Problems with the user's files print as one clear line and exit 2; anything else is a bug. */
async function userErrors(run: () => Promise<number>): Promise<number> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof FileProblem || (err instanceof Error && err.message.startsWith('--cells'))) {
      process.stderr.write(`cellflow: ${err.message}\n`);
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
