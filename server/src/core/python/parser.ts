import * as fs from 'node:fs';
import * as path from 'node:path';
import { Language, Parser, type Tree } from 'web-tree-sitter';

/**
 * tree-sitter-python, through web-tree-sitter (WebAssembly: no native module, same build everywhere).
 * The wasm files ship in dist/wasm; from sources and tests they come from node_modules.
 */
let ready: Promise<Parser> | undefined;

function locate(file: string, pkg: string): string {
  for (const dir of [path.join(__dirname, '..', 'wasm'), path.join(__dirname, 'wasm')]) {
    const p = path.join(dir, file);
    if (fs.existsSync(p)) return p;
  }
  return require.resolve(`${pkg}/${file}`);
}

export function pythonParser(): Promise<Parser> {
  ready ??= (async () => {
    await Parser.init({ locateFile: () => locate('tree-sitter.wasm', 'web-tree-sitter') });
    const language = await Language.load(locate('tree-sitter-python.wasm', 'tree-sitter-python'));
    const parser = new Parser();
    parser.setLanguage(language);
    return parser;
  })();
  return ready;
}

/** Parses with a parser from pythonParser(); the caller deletes the tree when done. */
export function parse(parser: Parser, source: string): Tree {
  const tree = parser.parse(source);
  if (!tree) throw new Error('tree-sitter returned no tree');
  return tree;
}
