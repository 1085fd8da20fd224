import * as assert from 'node:assert/strict';
import { NotebookError, parseNotebook } from '../../server/src/core/notebook/notebook';

function problem(text: string): string {
  try {
    parseNotebook(text, 'nb.ipynb');
  } catch (err) {
    assert.ok(err instanceof NotebookError, String(err));
    return err.message;
  }
  return assert.fail('parsed');
}

describe('notebook JSON that cannot be read', () => {
  it('nested past 512 levels: a message with the place, not a stack overflow', () => {
    assert.equal(problem('['.repeat(200_000)), 'nb.ipynb:1:513: not valid notebook JSON: nested deeper than 512 levels');
    assert.equal(problem(`{"cells": ${'['.repeat(100_000)}`), 'nb.ipynb:1:522: not valid notebook JSON: nested deeper than 512 levels');
  });

  it('never quotes the file\'s content in the message', () => {
    for (const text of ['{"key": "root:x:0:0:secret" oops}', 'root:x:0:0:secret', '{"token": "ghp_secret"', 'PATH=/secret/bin\n']) {
      const message = problem(text);
      assert.match(message, /^nb\.ipynb:\d+:\d+: not valid notebook JSON: [a-z ]+$/, message);
      assert.doesNotMatch(message, /secret|root:x|PATH/);
    }
  });
});
