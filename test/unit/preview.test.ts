import * as assert from 'node:assert/strict';
import { lintDocument } from '../../server/src/core/pipeline/lint';
import { hover } from '../../server/src/core/pipeline/features/hover';
import { PREVIEW_CHARS, previewValue } from '../../server/src/core/text/preview';

/** `levels` anchors, each a list of nine aliases of the one before: 9^levels leaves. */
function bomb(levels: number): string {
  const out = ['  l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
  for (let i = 1; i < levels; i++) out.push(`  l${i}: &l${i} [${Array(9).fill(`*l${i - 1}`).join(', ')}]`);
  return `cellflow: 1\nname: bomb\nparams:\n${out.join('\n')}\nsteps: []\n`;
}

describe('value previews (hover, completion details, outline)', () => {
  it('are the value as JSON when it fits', () => {
    for (const v of [0.2, 'a "quoted" name', null, true, [1, 'two', null], { a: [1, 2], b: 'c' }, []]) assert.equal(previewValue(v), JSON.stringify(v));
  });

  it('are cut with an ellipsis at the budget, without building the whole value', () => {
    const long = Array.from({ length: 1000 }, (_, i) => i);
    const shown = previewValue(long, 50);
    assert.equal(shown, `${JSON.stringify(long).slice(0, 50)}…`);
    // A value with 9^9 leaves through shared references: JSON.stringify would fail after seconds.
    let v: unknown = 'lol';
    for (let i = 0; i < 10; i++) v = Array(9).fill(v);
    assert.equal(previewValue(v).length, PREVIEW_CHARS + 1);
  });

  it('keep a hover on a param that a billion-laughs alias expands small', () => {
    const text = bomb(9);
    const r = lintDocument(text);
    const h = hover(r.parsed!, r.model!, text.indexOf('l8:') + 1);
    assert.ok(h, 'a hover for the param');
    assert.match(h.markdown, /^\*\*param `l8`\*\* = `\[\[\[\[/);
    assert.ok(h.markdown.length < PREVIEW_CHARS + 100, `hover of ${h.markdown.length} characters`);
    assert.ok(r.diagnostics.some((d) => d.code === 'invalid-value' && d.message.startsWith('`l8` in `params`')), 'and lint says a nested list is no param value');
  });
});
