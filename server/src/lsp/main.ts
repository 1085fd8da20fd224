import { TextDocuments, TextDocumentSyncKind } from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { CELLFLOW_VERSION } from '../core/version';
import { URI } from 'vscode-uri';
import { isPipelineFile } from '../core/pipeline/files';
import { NotebookChangedNotification, NotebookClosedNotification, ServerStatusRequest, WorkspaceTrustedNotification, type InitializationOptions } from '../protocol';
import { DiagnosticsScheduler, PIPELINE_LANGUAGE } from './diagnostics';
import { FEATURE_CAPABILITIES, registerFeatures } from './features';
import { ServerFiles } from './lintContext';
import { registerExperiments } from './experiments';
import { registerBench } from './bench';
import { registerDrift } from './drift';
import { registerMaturity } from './maturity';
import { registerSweep } from './sweep';
import { registerRuns } from './pipelineRuns';
import { Trust } from './trust';
import { registerPromotion } from './promotion';
import { onNotification, onRequest } from './requests';
import { Workspace } from './workspace';
import { serverStatus } from './status';
import { stdioConnection } from './transport';

// stdout carries the protocol, so nothing else may write to it: logs go through connection.console,
// last words through stderr.
const connection = stdioConnection(dieWith, () => experiments.dispose());
const documents = new TextDocuments(TextDocument);
const workspace = new Workspace(documents);
const files = new ServerFiles(workspace);
const diagnostics = new DiagnosticsScheduler(connection, documents, files);

process.on('uncaughtException', (err) => dieWith(`uncaught exception: ${err.stack ?? err.message}`));
process.on('unhandledRejection', (reason) => dieWith(`unhandled rejection: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}`));

/** The client shows this last line to the user when the process ends, so it says why. */
function dieWith(reason: string): never {
  process.stderr.write(`Cellflow language server exiting: ${reason}\n`);
  process.exit(1);
}

let folderChanges = false;

const experiments = registerExperiments(connection);
const setFolders = (uris: string[]) => {
  workspace.setFolders(uris);
  experiments.setFolders(uris);
};
connection.onShutdown(() => experiments.dispose());

let trustedAtStart = false;

connection.onInitialize((params) => {
  const options = params.initializationOptions as InitializationOptions | undefined;
  promotion.configure(options);
  trustedAtStart = options?.trusted === true;
  setFolders(params.workspaceFolders?.map((f) => f.uri) ?? (params.rootUri ? [params.rootUri] : []));
  folderChanges = params.capabilities.workspace?.workspaceFolders === true;
  return {
    serverInfo: { name: 'cellflow-language-server', version: CELLFLOW_VERSION },
    capabilities: {
      textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
      workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
      ...FEATURE_CAPABILITIES,
    },
  };
});

connection.onInitialized(() => {
  if (folderChanges) {
    connection.workspace.onDidChangeWorkspaceFolders((e) => {
      setFolders([...workspace.folderUris().filter((u) => !e.removed.some((r) => r.uri === u)), ...e.added.map((a) => a.uri)]);
    });
  }
  connection.console.info(`Cellflow language server ${CELLFLOW_VERSION} on node ${process.version} (ABI ${process.versions.modules}), pid ${process.pid}`);
});

onRequest(connection, ServerStatusRequest, () => serverStatus(documents.all().length));
const promotion = registerPromotion(connection, workspace, experiments);
registerFeatures(connection, documents, diagnostics, files, workspace, experiments.recordedOutputs);
const trust = new Trust(() => trustedAtStart);
onNotification(connection, WorkspaceTrustedNotification, () => trust.grant());
registerRuns(connection, documents, diagnostics, experiments, trust);
registerDrift(connection, trust);
registerBench(connection, trust);
registerMaturity(connection);
registerSweep(connection, trust);
// Files pipelines name (notebooks, step code, lock files) changed on disk, or a pipeline came or went.
connection.onDidChangeWatchedFiles(({ changes }) => {
  for (const c of changes) {
    const file = URI.parse(c.uri).fsPath;
    files.invalidate(file);
    if (isPipelineFile(file)) workspace.invalidate();
  }
  diagnostics.scheduleAll();
});
onNotification(connection, NotebookChangedNotification, ({ notebook }) => {
  files.setOpenNotebook(notebook);
  diagnostics.scheduleAll();
});
onNotification(connection, NotebookClosedNotification, ({ path }) => {
  files.closeNotebook(path);
  diagnostics.scheduleAll();
});

// Pipeline documents are linted; other synced documents (step code files) are inputs to that lint.
const otherDocumentChanged = () => {
  files.openDocumentChanged();
  diagnostics.scheduleAll();
};
documents.onDidOpen((e) => (e.document.languageId === PIPELINE_LANGUAGE ? diagnostics.schedule(e.document.uri) : otherDocumentChanged()));
documents.onDidChangeContent((e) => (e.document.languageId === PIPELINE_LANGUAGE ? diagnostics.schedule(e.document.uri) : otherDocumentChanged()));
documents.onDidClose((e) => (e.document.languageId === PIPELINE_LANGUAGE ? diagnostics.clear(e.document.uri) : otherDocumentChanged()));

documents.listen(connection);
connection.listen();
