import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';

describe('harness self-test (expected to fail)', () => {
  it('runs inside the real editor', () => {
    assert.match(vscode.version, /^1\.\d+\.\d+/);
  });

  it('fails on purpose so that the harness must report a non-zero exit', () => {
    assert.equal(vscode.workspace.workspaceFolders?.length, 42, 'deliberate failure');
  });
});
