// Bundles the extension client, the language server and the CLI, and generates the pipeline JSON Schema.
// `vscode` is provided by the editor; native modules stay external and load from node_modules at run
// time, in the server and CLI processes only.
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const watch = process.argv.includes('--watch');
const native = ['better-sqlite3', 'onnxruntime-node'];
const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: 'linked',
  minify: !watch,
  keepNames: true,
  metafile: true,
  logLevel: 'warning',
  // vscode-languageserver-types ships a UMD build that hides its requires from esbuild; take the ESM one.
  mainFields: ['module', 'main'],
  // web-tree-sitter's ESM build needs import.meta.url, which a CommonJS bundle lacks: take its CJS build.
  alias: { 'web-tree-sitter': './node_modules/web-tree-sitter/tree-sitter.cjs' },
};

const bundles = [
  // Two client bundles: activation loads only the small first one; the language client comes right after.
  { entryPoints: { extension: 'client/src/extension.ts', languageServer: 'client/src/languageServer.ts' }, outdir: 'dist/client', external: ['vscode', ...native] },
  { entryPoints: { server: 'server/src/lsp/main.ts' }, outdir: 'dist/server', external: native },
  { entryPoints: { cellflow: 'server/src/cli/main.ts' }, outdir: 'dist/cli', external: native, banner: { js: '#!/usr/bin/env node' } },
];

async function generateSchema() {
  const out = 'out/build/schema.cjs';
  await esbuild.build({ ...common, minify: false, sourcemap: false, metafile: false, entryPoints: ['server/src/core/pipeline/schema.ts'], outfile: out });
  const require = createRequire(import.meta.url);
  const { pipelineJsonSchema } = require(`./${out}`);
  mkdirSync('dist/schema', { recursive: true });
  writeFileSync('dist/schema/pipeline.schema.json', `${JSON.stringify(pipelineJsonSchema(), null, 2)}\n`);
}

/** tree-sitter (the runtime and the Python grammar) is WebAssembly that the bundles load from dist/wasm. */
function copyWasm() {
  mkdirSync('dist/wasm', { recursive: true });
  copyFileSync('node_modules/web-tree-sitter/tree-sitter.wasm', 'dist/wasm/tree-sitter.wasm');
  copyFileSync('node_modules/tree-sitter-python/tree-sitter-python.wasm', 'dist/wasm/tree-sitter-python.wasm');
}

copyWasm();
if (watch) {
  for (const b of bundles) await (await esbuild.context({ ...common, ...b })).watch();
  await generateSchema();
} else {
  const results = await Promise.all(bundles.map((b) => esbuild.build({ ...common, ...b })));
  mkdirSync('dist', { recursive: true });
  // Kept for `npm run bench` (bundle sizes) and the test that no native module enters the client bundle.
  writeFileSync('dist/meta.json', JSON.stringify(Object.fromEntries(results.map((r, i) => [Object.keys(bundles[i].entryPoints)[0], r.metafile]))));
  await generateSchema();
}
