// Where code goes, enforced (`npm run lint:layers`, part of `npm test`). The layers of the server:
//   core/      pure domain logic: no file system, processes, network or native modules
//   io/        files (reading, writing, finding them)
//   services/  process-bound and native code (the store connection; executors, data readers and ONNX
//              sessions to come)
//   lsp/, cli/ thin faces over the same core functions
// client/ (the extension host) and media/ (webviews) talk to the server through protocol.ts only.
/** Node built-ins that touch the world outside a function's arguments. */
const IMPURE_BUILTINS = '^(node:)?(fs|fs/promises|child_process|cluster|dgram|dns|http|http2|https|inspector|net|os|process|readline|repl|tls|tty|v8|vm|worker_threads)$';
/** Native modules: only the server, the CLI and worker processes load them, never core or the client. */
const NATIVE = '^(better-sqlite3|onnxruntime-node|onnxruntime-web|@duckdb/node-api)($|/)';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'core-is-pure',
      comment: 'server/src/core is pure domain logic: it imports nothing from io, services, lsp, cli or the protocol module.',
      severity: 'error',
      from: { path: '^server/src/core/' },
      to: { path: '^server/src/(io|services|lsp|cli)/|^server/src/protocol\\.ts$' },
    },
    {
      name: 'core-no-io',
      comment: 'server/src/core has no file system, processes, network or native modules: those live in io/ or services/.',
      severity: 'error',
      from: { path: '^server/src/core/' },
      to: { dependencyTypes: ['core'], path: IMPURE_BUILTINS },
    },
    {
      name: 'core-no-native',
      comment: 'Native modules load in services/ (server, CLI or worker processes) only.',
      severity: 'error',
      from: { path: '^server/src/(core|io)/' },
      to: { path: NATIVE },
    },
    {
      name: 'io-below-faces',
      comment: 'io/ and services/ are used by the faces (lsp, cli), never the other way round.',
      severity: 'error',
      from: { path: '^server/src/(io|services)/' },
      to: { path: '^server/src/(lsp|cli)/' },
    },
    {
      name: 'io-not-services',
      comment: 'io/ reads and writes files; it does not reach into native services.',
      severity: 'error',
      from: { path: '^server/src/io/' },
      to: { path: '^server/src/services/' },
    },
    {
      name: 'faces-apart',
      comment: 'The language server and the CLI share core, io and services, not each other.',
      severity: 'error',
      from: { path: '^server/src/(lsp|cli)/' },
      to: { path: '^server/src/(lsp|cli)/', pathNot: '^server/src/$1/' },
    },
    {
      name: 'client-through-protocol',
      comment: 'The extension host and the webviews import from the server only its protocol module.',
      severity: 'error',
      from: { path: '^(client|media)/' },
      to: { path: '^server/', pathNot: '^server/src/protocol\\.ts$' },
    },
    {
      name: 'client-no-native',
      comment: 'Native modules never load in the extension host or a webview.',
      severity: 'error',
      from: { path: '^(client|media)/' },
      to: { path: NATIVE },
    },
    {
      name: 'no-cycles',
      comment: 'No import cycles in the server: a cycle means two modules that should be one, or a type that belongs in a module of its own.',
      severity: 'error',
      from: { path: '^server/src/' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Type-only imports count: a type cycle is still a design cycle.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.base.json' },
    exclude: { path: '(^|/)(out|dist|node_modules)/' },
  },
};
