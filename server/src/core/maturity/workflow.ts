import { CELLFLOW_VERSION } from '../version';

/**
 * A GitHub Actions workflow that makes the workspace "automated" (level 3): on data or pipeline
 * changes, weekly, and by hand, it lints the pipelines, runs them, fails on drift of the production
 * version and on a benchmark regression. Only real `cellflow` commands; the user reviews it before
 * it is saved. The CLI comes from the extension's own package (.vsix), which carries it with its
 * native modules for linux-x64: there is no npm package to install it from, and an unclaimed npm
 * name in a CI script is one anybody could publish under.
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
    ...installCli(),
    '      - run: if [ -f requirements.txt ]; then python -m pip install -r requirements.txt; fi',
  ].join('\n');
  let steps = `${lines}\n`;
  steps += run(`cellflow lint ${w.pipelines.map(q).join(' ') || '.'}`);
  for (const p of w.pipelines) steps += run(`cellflow run ${q(p)}`);
  if (w.drift) steps += run(`cellflow drift --reference ${q(w.drift.model)} --current ${q(w.drift.current)} --save --fail-on-drift`);
  if (w.bench) steps += run(`cellflow bench ${q(w.bench)} --batch 1,32 --save --fail-on-regression`);
  return steps;
}

/**
 * The install step: the .vsix from the repository variable CELLFLOW_VSIX_URL (a release asset, say),
 * its `extension/` folder unpacked, and a `cellflow` on PATH that runs the CLI inside it with the
 * runner's Node. A missing variable fails the step with a message saying what to set.
 */
function installCli(): string[] {
  const dir = '"$RUNNER_TEMP/cellflow"';
  return [
    `      # The Cellflow CLI from the extension package this workspace was set up with (Cellflow ${CELLFLOW_VERSION}):`,
    '      # set the repository variable CELLFLOW_VSIX_URL to where that .vsix is kept.',
    '      - name: Install the Cellflow CLI',
    '        env:',
    '          CELLFLOW_VSIX_URL: ${{ vars.CELLFLOW_VSIX_URL }}',
    '        run: |',
    '          curl -fsSL --retry 3 -o "$RUNNER_TEMP/cellflow.vsix" "${CELLFLOW_VSIX_URL:?set the repository variable CELLFLOW_VSIX_URL to the URL of the Cellflow .vsix}"',
    `          unzip -q -o "$RUNNER_TEMP/cellflow.vsix" 'extension/*' -d ${dir}`,
    `          mkdir -p ${dir}/bin`,
    `          printf '#!/bin/sh\\nexec node "%s" "$@"\\n' ${dir}/extension/dist/cli/cellflow.js > ${dir}/bin/cellflow`,
    `          chmod +x ${dir}/bin/cellflow`,
    `          ${dir}/bin/cellflow --version`,
    `          echo ${dir}/bin >> "$GITHUB_PATH"`,
  ];
}
