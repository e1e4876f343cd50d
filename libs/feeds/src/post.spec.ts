import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { updatePostedV1 } from '@voltstream/contracts';
import { FeedsErrorCodes } from './feeds-errors';
import { codeOf, pathOf } from './feeds-spec-helpers';
import { decidePostUpdate, normalisePostText } from './post';

const post = (text: string) =>
  decidePostUpdate({
    type: 'PostUpdate',
    postId: 'f4000000-0000-4000-8000-000000000001',
    userId: 'f4000000-0000-4000-8000-000000000002',
    text,
    now: new Date('2026-07-01T12:00:00Z'),
  });

describe('posting an update', () => {
  it('accepts 500 code points of emoji (1000 UTF-16 units) and refuses 501', () => {
    const emoji = '🌍'.repeat(500);
    assert.equal(emoji.length, 1000);
    const event = post(emoji);
    assert.equal(event.payload.text, emoji);
    assert.deepEqual(updatePostedV1(event.payload, 'payload'), event.payload);
    assert.equal(
      codeOf(() => post(`${emoji}🌍`)),
      FeedsErrorCodes.invalidPostText,
    );
    assert.equal(
      codeOf(() => post('a'.repeat(501))),
      FeedsErrorCodes.invalidPostText,
    );
  });

  it('counts after trimming, so surrounding whitespace does not use up the limit', () => {
    assert.equal(post(`  ${'a'.repeat(500)}\n `).payload.text, 'a'.repeat(500));
  });

  it('refuses an empty or whitespace-only text, naming text', () => {
    for (const text of ['', '   ', '\n\t\u00a0\u2003']) {
      assert.equal(
        codeOf(() => post(text)),
        FeedsErrorCodes.invalidPostText,
      );
      assert.equal(
        pathOf(() => post(text)),
        'text',
      );
    }
  });

  it('keeps markup as plain text, exactly as given apart from trimming', () => {
    const text = '<b>Cut my bill</b> & <script>alert(1)</script>\n\tby 12%';
    assert.equal(post(` ${text} `).payload.text, text);
  });

  it('refuses control characters other than newline and tab, and unpaired surrogates', () => {
    for (const text of [
      'bell\u0007',
      'nul\u0000x',
      'cr\r\nlf',
      'esc\u001b[31m',
      'del\u007f',
      'c1\u0085',
      'half\ud83c',
    ]) {
      assert.equal(
        codeOf(() => normalisePostText(text)),
        FeedsErrorCodes.invalidCharacters,
        JSON.stringify(text),
      );
    }
    assert.equal(normalisePostText('line one\nline\ttwo'), 'line one\nline\ttwo');
  });
});
