/** What text the protocol accepts (shared/text.ts), through the validator both sides run. */
import { describe, expect, test } from 'vitest';
import { cleanName, cleanText, LIMITS, validateClientMessage } from '../../shared/index.js';

const env = { broadcastId: 'b-1', tenantId: 'demo', urlId: 'https://example.com/a.png' };
const comment = (text: unknown) => validateClientMessage({ type: 'add-comment', ...env, chatId: 'c-1', text });
const hello = (name: unknown) => validateClientMessage({ type: 'hello', name });

describe('comment text', () => {
  test('NUL and other controls are removed; tabs and line breaks kept, CRLF as LF', () => {
    expect(cleanText('a\u0000b\u0007c\u007f\u0085d\te\r\nf\rg')).toBe('abcd\te\nf\ng');
    const result = comment('x\u0000y');
    expect(result.ok && result.message.type === 'add-comment' && result.message.text).toBe('xy');
  });

  test('normalised to NFC, so the same words are stored the same way', () => {
    const decomposed = 'cafe\u0301';
    expect(cleanText(decomposed)).toBe('caf\u00e9');
  });

  test('a lone surrogate is refused, a pair is kept', () => {
    expect(comment('bad \ud800 text')).toMatchObject({ ok: false, code: 'invalid-field', error: '"text" is not valid Unicode (a lone surrogate)' });
    expect(comment('bad \udc00')).toMatchObject({ ok: false, code: 'invalid-field' });
    const emoji = comment('ok \ud83d\ude00');
    expect(emoji.ok && emoji.message.type === 'add-comment' && emoji.message.text).toBe('ok \ud83d\ude00');
  });

  test('text made only of controls is empty, and refused as such', () => {
    expect(comment('\u0001'.repeat(LIMITS.MAX_TEXT_LENGTH))).toMatchObject({ ok: false, code: 'invalid-field', error: '"text" must not be empty' });
  });
});

describe('display names', () => {
  test('bidi overrides, zero-width characters and controls are removed, spaces collapsed', () => {
    expect(cleanName(' \u202eAda\u200b \u2066 Lovelace\n\u0000')).toBe('Ada Lovelace');
    expect(hello('\u202enimda')).toEqual({ ok: true, message: { type: 'hello', name: 'nimda' } });
  });

  test('blanks that show nothing (soft hyphen, Hangul fillers, braille blank, tag characters) are removed too', () => {
    expect(cleanName('A\u00adnn')).toBe('Ann');
    expect(cleanName('\u3164Ann\u115f\u2800')).toBe('Ann');
    expect(cleanName('An\u034fn\u180e')).toBe('Ann');
    expect(cleanName('Ann\udb40\udc41\udb40\udc7f')).toBe('Ann');
    expect(cleanName('Ann 😀')).toBe('Ann 😀');
  });

  test('a lone surrogate is refused', () => {
    expect(hello('Ada\ud800')).toMatchObject({ ok: false, code: 'invalid-field', for: 'hello' });
  });

  test('the length limit applies to the cleaned name', () => {
    expect(hello(`${'\u200b'.repeat(100)}Ada`)).toEqual({ ok: true, message: { type: 'hello', name: 'Ada' } });
  });
});

describe('image ids and seqs', () => {
  test('a urlId with NUL, another control or a lone surrogate is refused', () => {
    for (const urlId of ['a\u0000b', 'a\nb', 'a\u009fb', 'a\ud800b']) {
      expect(validateClientMessage({ type: 'subscribe', tenantId: 'demo', urlId })).toMatchObject({ ok: false, code: 'invalid-field' });
    }
    expect(validateClientMessage({ type: 'subscribe', tenantId: 'demo', urlId: 'https://例え.jp/画像.png' }).ok).toBe(true);
  });

  test('since is held to what both stores hold (a 32-bit signed integer)', () => {
    expect(validateClientMessage({ type: 'subscribe', tenantId: 'demo', urlId: 'i', since: LIMITS.MAX_SEQ }).ok).toBe(true);
    expect(validateClientMessage({ type: 'subscribe', tenantId: 'demo', urlId: 'i', since: LIMITS.MAX_SEQ + 1 }))
      .toMatchObject({ ok: false, code: 'invalid-field', error: `"since" must be a whole number from 0 to ${LIMITS.MAX_SEQ}` });
  });

  test('an epoch is an id from an earlier subscribed, nothing else', () => {
    expect(validateClientMessage({ type: 'subscribe', tenantId: 'demo', urlId: 'i', since: 1, epoch: 'a\u0000' })).toMatchObject({ ok: false, code: 'invalid-field' });
  });
});
