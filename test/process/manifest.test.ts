import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EXPERIMENT_COMMANDS } from '../../client/src/experiments/commandIds';
import { RUN_COMMAND_IDS } from '../../server/src/core/runner/commands';
import { SETTINGS } from '../../server/src/protocol';
import { CELLFLOW_VERSION } from '../../server/src/core/version';
import { PIPELINE_FILE_PATTERN } from '../../server/src/core/pipeline/files';
import { DIST, ROOT } from '../support/paths';

const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));

describe('extension manifest', () => {
  it('activates lazily, never on startup', () => {
    const events: string[] = manifest.activationEvents;
    assert.ok(!events.includes('*'));
    assert.ok(!events.includes('onStartupFinished'));
    assert.ok(events.includes('onLanguage:cellflow-pipeline'));
    assert.ok(events.includes('onNotebook:jupyter-notebook'));
  });

  it('declares exactly the settings the protocol module defines, with their defaults and scopes', () => {
    const props = manifest.contributes.configuration.properties as Record<string, { type: string; default: unknown; scope: string; enum?: string[]; markdownDescription?: string }>;
    assert.deepEqual(Object.keys(props).sort(), Object.keys(SETTINGS).sort());
    for (const [key, def] of Object.entries(SETTINGS)) {
      assert.equal(props[key].type, def.type, key);
      assert.deepEqual(props[key].default, def.default, key);
      assert.equal(props[key].scope, def.scope, key);
      if ('enum' in def) assert.deepEqual(props[key].enum, def.enum, key);
      assert.ok(props[key].markdownDescription, `${key} is described`);
    }
  });

  it('keeps the runtime setting out of reach of untrusted workspaces', () => {
    // The executables Cellflow starts, and where steps run.
    assert.deepEqual(manifest.capabilities.untrustedWorkspaces.restrictedConfigurations, ['cellflow.dask.scheduler', 'cellflow.dask.schedulerFile', 'cellflow.jupyter.url', 'cellflow.python.path', 'cellflow.run.executor', 'cellflow.server.nodePath']);
  });

  it('has the version the code reports', () => {
    assert.equal(CELLFLOW_VERSION, manifest.version);
  });

  it('associates the pipeline language with the files the CLI lints', () => {
    const patterns: string[] = manifest.contributes.languages[0].filenamePatterns;
    for (const p of patterns) assert.match(p.replace('*', 'x'), PIPELINE_FILE_PATTERN);
    assert.deepEqual(manifest.contributes.yamlValidation[0].fileMatch, patterns);
  });

  it('puts Promote Cells to Pipeline on the notebook toolbar, each code cell\'s toolbar and context menu, and the palette', () => {
    const menus = manifest.contributes.menus as Record<string, Array<{ command: string; when?: string; group?: string }>>;
    const promote = (menu: string) => menus[menu].filter((m) => m.command === 'cellflow.promoteCells');
    assert.equal(promote('notebook/toolbar').length, 1);
    const cell = promote('notebook/cell/title');
    assert.ok(cell.some((m) => m.group?.startsWith('inline')), 'inline on the cell toolbar');
    assert.ok(cell.some((m) => m.group && !m.group.startsWith('inline')), 'in the cell\'s context menu');
    assert.ok(cell.every((m) => m.when?.includes('notebookCellType == code')));
    assert.match(promote('commandPalette')[0].when ?? '', /notebookType == jupyter-notebook/);
    const contributed = manifest.contributes.commands.find((c: { command: string }) => c.command === 'cellflow.promoteCells');
    assert.equal(contributed.title, 'Promote Cells to Pipeline');
    assert.ok(contributed.icon, 'an icon for the toolbars');
  });

  it('contributes a title for every command it registers', () => {
    const source = ['commands.ts', 'extension.ts'].map((f) => fs.readFileSync(path.join(ROOT, 'client', 'src', f), 'utf8')).join('\n');
    const registered = [...[...source.matchAll(/registerCommand\('([^']+)'/g)].map((m) => m[1]), ...EXPERIMENT_COMMANDS, ...RUN_COMMAND_IDS].sort();
    const contributed = (manifest.contributes.commands as Array<{ command: string; title: string }>).map((c) => c.command).sort();
    assert.deepEqual(registered, contributed);
  });
  it('has a Cellflow sidebar with the Runs, Model Registry, Data Drift and Maturity views, and menus that name contributed commands only', () => {
    const container = manifest.contributes.viewsContainers.activitybar.find((v: { id: string }) => v.id === 'cellflow');
    assert.ok(container && fs.existsSync(path.join(ROOT, container.icon)), 'the container and its icon');
    assert.deepEqual(manifest.contributes.views.cellflow.map((v: { id: string; name: string }) => [v.id, v.name]), [['cellflow.runs', 'Runs'], ['cellflow.registry', 'Model Registry'], ['cellflow.drift', 'Data Drift'], ['cellflow.maturity', 'Maturity']]);
    assert.equal(manifest.contributes.views.cellflow[2].type, 'webview');
    const commands = new Set((manifest.contributes.commands as Array<{ command: string }>).map((c) => c.command));
    for (const [menu, items] of Object.entries(manifest.contributes.menus as Record<string, Array<{ command: string }>>)) {
      for (const item of items) assert.ok(commands.has(item.command), `${menu} names ${item.command}`);
    }
    const itemMenu = manifest.contributes.menus['view/item/context'] as Array<{ command: string; when: string }>;
    assert.ok(itemMenu.some((m) => m.command === 'cellflow.compareRuns' && m.when.includes('view == cellflow.runs')), 'compare from the Runs view');
    assert.ok(itemMenu.some((m) => m.command === 'cellflow.setAlias' && m.when.includes('viewItem == cellflow.modelVersion')), 'set an alias on a version');
  });

  it('packs the webview assets and the Python client into the .vsix, and not their sources', () => {
    const rules = fs.readFileSync(path.join(ROOT, '.vscodeignore'), 'utf8').split('\n');
    for (const r of ['!dist/client/experiments.js', '!dist/media/*.js', '!dist/media/*.css', '!dist/python/**']) assert.ok(rules.includes(r), r);
    assert.ok(!rules.includes('!media/**'), 'webview TypeScript stays out');
  });
});

describe('bundles', () => {
  const meta = JSON.parse(fs.readFileSync(path.join(DIST, 'meta.json'), 'utf8')) as Record<string, { inputs: Record<string, unknown>; outputs: Record<string, { bytes: number; inputs: Record<string, unknown>; imports: Array<{ path: string; external?: boolean }> }> }>;

  it('keep what activation loads small: the language client is a bundle of its own', () => {
    const activation = meta.extension.outputs['dist/client/extension.js'];
    assert.ok(activation, 'the activation bundle exists');
    assert.deepEqual(Object.keys(activation.inputs).filter((i) => i.includes('node_modules')), []);
    assert.ok(activation.bytes < 20_000, `activation bundle is ${activation.bytes} bytes`);
    assert.ok(Object.keys(meta.extension.outputs['dist/client/languageServer.js'].inputs).some((i) => i.includes('vscode-languageclient')));
  });

  it('keep native modules out of the extension host bundle', () => {
    const inputs = Object.keys(meta.extension.inputs);
    assert.ok(inputs.some((i) => i.includes('vscode-languageclient')), 'sanity: the client bundle is the one inspected');
    assert.deepEqual(inputs.filter((i) => /better-sqlite3|onnxruntime|\.node$/.test(i)), []);
    const imports = Object.values(meta.extension.outputs).flatMap((o) => o.imports.map((i) => i.path));
    assert.deepEqual(imports.filter((p) => /better-sqlite3|onnxruntime/.test(p)), []);
  });

  it('leave native modules external in the server, to load from node_modules at run time', () => {
    const imports = Object.values(meta.server.outputs).flatMap((o) => o.imports.filter((i) => i.external).map((i) => i.path));
    assert.ok(imports.includes('better-sqlite3'));
  });
});
