import * as assert from 'node:assert/strict';
import { analyzeCell } from '../../server/src/core/python/analyze';
import { blankCommentLines, parse } from '../../server/src/core/python/parser';
import { loadParser } from '../support/python';

describe('full-line comments are blanked before parsing (tree-sitter-python is quadratic in runs of them)', () => {
  it('keeps every offset: same length, same line breaks (CRLF too), code and trailing comments untouched', () => {
    const source = 'x = 1\n# one\n    # indented\r\ny = x  # trailing\n#\nz = "#not a comment"\n';
    const { text, rows } = blankCommentLines(source);
    assert.deepEqual(rows, [1, 2, 4]);
    assert.equal(text.length, source.length);
    assert.equal(text, 'x = 1\n     \n              \r\ny = x  # trailing\n \nz = "#not a comment"\n');
  });

  it('analyses a cell the same with or without its comment lines', async () => {
    const parser = await loadParser();
    const body = 'import numpy as np\n# load\ndata = np.load(path)\n# fit\n  # (indented note)\nmodel.fit(data)\ndef f(a):\n    # inside a function\n    return a + b\n';
    const withComments = analyzeCell(parser, body);
    const without = analyzeCell(parser, body.replace(/^\s*#.*$/gm, ''));
    for (const key of ['reads', 'writes', 'deletes', 'starImports', 'syntaxErrors'] as const) assert.deepEqual(withComments[key], without[key], key);
    assert.deepEqual(withComments.imports.map((i) => i.name), ['np']);
    assert.match(withComments.definitions[0].source, /# inside a function/, 'a carried definition keeps its comments');
  });

  it('parses the cell as it is when a # line is inside a multi-line string, so the string keeps it', async () => {
    const parser = await loadParser();
    const tree = parse(parser, 'query = """\nSELECT 1\n# not a comment: part of the text\n"""\n# a real comment\n');
    try {
      assert.equal(tree.rootNode.descendantsOfType('string')[0]?.text, '"""\nSELECT 1\n# not a comment: part of the text\n"""');
      assert.equal(tree.rootNode.descendantsOfType('comment')[0]?.text, '# a real comment', 'parsed as it is: the comment is there too');
    } finally {
      tree.delete();
    }
  });
});
