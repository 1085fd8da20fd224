/**
 * A GitHub Actions workflow that makes the workspace "automated" (level 3): on data or pipeline
 * changes, weekly, and by hand, it lints the pipelines, runs them, fails on drift of the production
 * version and on a benchmark regression. Only real `cellflow` commands; the user reviews it before
 * it is saved.
 */
export interface WorkflowInputs {
  pipelines: string[];
  /** NAME@ALIAS or NAME@VERSION to check for drift, and the data to check it against. */
  drift?: { model: string; current: string };
  /** NAME@ALIAS or NAME@VERSION of an ONNX model to benchmark. */
  bench?: string;
  /** Where the workspace sits in the repository ('.' for its root). */
  workdir: string;
  /** The Python the pipeline's steps need. */
  python: string;
}

const q = (s: string) => (/^[\w./@:-]+$/.test(s) ? s : `'${s.replace(/'/g, "''")}'`);

export function ciWorkflow(w: WorkflowInputs): string {
  const run = (cmd: string) => `      - run: ${cmd}\n`;
  const lines = [
    '# Written by Cellflow (Generate CI Workflow). Review before committing.',
    'name: cellflow',
    'on:',
    '  push:',
    '    paths:',
    `      - ${q(`${w.workdir === '.' ? '' : `${w.workdir}/`}data/**`)}`,
    `      - ${q(`${w.workdir === '.' ? '' : `${w.workdir}/`}**/*.cellflow.yaml`)}`,
    `      - ${q(`${w.workdir === '.' ? '' : `${w.workdir}/`}steps/**`)}`,
    '  schedule:',
    "    - cron: '0 6 * * 1'",
    '  workflow_dispatch: {}',
    'jobs:',
    '  pipeline:',
    '    runs-on: ubuntu-latest',
    '    defaults:',
    '      run:',
    `        working-directory: ${q(w.workdir)}`,
    '    steps:',
    '      - uses: actions/checkout@v4',
    '      - uses: actions/setup-node@v4',
    '        with:',
    '          node-version: 20',
    '      - uses: actions/setup-python@v5',
    '        with:',
    `          python-version: ${q(w.python)}`,
    '      # The Cellflow CLI (the one this editor runs: `cellflow --version` names it).',
    '      - run: npm install --global cellflow',
  ].join('\n');
  let steps = `${lines}\n`;
  steps += run(`cellflow lint ${w.pipelines.map(q).join(' ') || '.'}`);
  for (const p of w.pipelines) steps += run(`cellflow run ${q(p)}`);
  if (w.drift) steps += run(`cellflow drift --reference ${q(w.drift.model)} --current ${q(w.drift.current)} --save --fail-on-drift`);
  if (w.bench) steps += run(`cellflow bench ${q(w.bench)} --batch 1,32 --save --fail-on-regression`);
  return steps;
}
