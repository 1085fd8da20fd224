import { parseArgs } from 'node:util';
import { CELLFLOW_VERSION } from '../core/version';
import { runLint } from './lintCommand';

const HELP = `cellflow ${CELLFLOW_VERSION}: notebook cells to versioned, linted, runnable ML pipelines

Usage:
  cellflow lint [paths...] [--json]   Lint pipeline files (*.cellflow.yaml); directories are searched.
                                      Prints what the editor shows; exits 1 when any error is found.
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
    default:
      process.stderr.write(`cellflow: unknown command '${command}'. Run 'cellflow --help'.\n`);
      return 2;
  }
}

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
