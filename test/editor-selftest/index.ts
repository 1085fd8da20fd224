import { runMochaIn } from '../support/mochaRunner';

/** A suite that must fail: the harness self-test runs it and expects a non-zero exit code. */
export function run(): Promise<void> {
  return runMochaIn(__dirname);
}
