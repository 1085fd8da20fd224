import * as fs from 'node:fs';
import * as path from 'node:path';
import { Language, Parser } from 'web-tree-sitter';

/**
 * tree-sitter-python, through web-tree-sitter (WebAssembly: no native module, same build everywhere),
 * loaded once per process. The wasm files ship in dist/wasm; from sources and tests they come from
 * node_modules. Core code takes the parser this returns; only this module reads the files.
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
