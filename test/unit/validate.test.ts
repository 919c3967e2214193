import { describe, expect, test } from 'vitest';
import { LIMITS, parseClientFrame, validateClientMessage, validateWriteMessage, type ErrorCode } from '../../shared/index.js';

const env = { broadcastId: 'b-1', tenantId: 'demo', urlId: 'https://example.com/a.png' };

const valid: Record<string, Record<string, unknown>> = {
  ping: { type: 'ping' },
  hello: { type: 'hello', name: ' Ada ', session: 'v1.u.1.sig' },
  subscribe: { type: 'subscribe', tenantId: 'demo', urlId: 'img', since: 3, epoch: 'e' },
  unsubscribe: { type: 'unsubscribe', tenantId: 'demo', urlId: 'img' },
  'create-chat': { type: 'create-chat', ...env, x: 0, y: 1, text: 'hi', chatId: 'c-1' },
  'add-comment': { type: 'add-comment', ...env, chatId: 'c-1', text: 'reply', commentId: 'm-2' },
  'edit-comment': { type: 'edit-comment', ...env, chatId: 'c-1', commentId: 'm-2', text: 'edited' },
  'delete-comment': { type: 'delete-comment', ...env, chatId: 'c-1', commentId: 'm-2' },
  'move-chat': { type: 'move-chat', ...env, chatId: 'c-1', x: 0.25, y: 0.75 },
  'resolve-chat': { type: 'resolve-chat', ...env, chatId: 'c-1', resolved: true },
  'delete-chat': { type: 'delete-chat', ...env, chatId: 'c-1' },
};

describe('accepts every message type', () => {
  for (const [type, frame] of Object.entries(valid)) {
    test(type, () => {
      const result = validateClientMessage(frame);
      expect(result.ok).toBe(true);
      if (result.ok) expect(result.message.type).toBe(type);
    });
  }

  test('trims the name and text', () => {
    const hello = validateClientMessage(valid.hello);
    expect(hello.ok && hello.message).toEqual({ type: 'hello', name: 'Ada', session: 'v1.u.1.sig' });
    const chat = validateClientMessage({ ...valid['create-chat'], text: '  hi  ' });
    expect(chat.ok && chat.message.type === 'create-chat' && chat.message.text).toBe('hi');
  });

  test('optional ids may be left out', () => {
    const result = validateClientMessage({ type: 'create-chat', ...env, x: 0.5, y: 0.5, text: 'hi' });
    expect(result).toEqual({ ok: true, message: { type: 'create-chat', ...env, x: 0.5, y: 0.5, text: 'hi' } });
  });
});

const rejected: [string, unknown, ErrorCode][] = [
  ['a non-object', [1, 2], 'bad-request'],
  ['null', null, 'bad-request'],
  ['a missing type', { tenantId: 'demo' }, 'bad-request'],
  ['an unknown type', { type: 'explode' }, 'unknown-type'],
  ['hello with a numeric name', { type: 'hello', name: 5 }, 'invalid-field'],
  ['hello with an overlong name', { type: 'hello', name: 'n'.repeat(LIMITS.MAX_NAME_LENGTH + 1) }, 'too-large'],
  ['subscribe without urlId', { type: 'subscribe', tenantId: 'demo' }, 'invalid-field'],
  ['subscribe with a bad tenant id', { type: 'subscribe', tenantId: 'de mo', urlId: 'i' }, 'invalid-field'],
  ['subscribe with negative since', { type: 'subscribe', tenantId: 'demo', urlId: 'i', since: -1 }, 'invalid-field'],
  ['subscribe with fractional since', { type: 'subscribe', tenantId: 'demo', urlId: 'i', since: 1.5 }, 'invalid-field'],
  ['subscribe with an overlong urlId', { type: 'subscribe', tenantId: 'demo', urlId: 'u'.repeat(LIMITS.MAX_URL_ID_LENGTH + 1) }, 'invalid-field'],
  ['unsubscribe without tenant', { type: 'unsubscribe', urlId: 'i' }, 'invalid-field'],
  ['create-chat without broadcastId', { ...valid['create-chat'], broadcastId: undefined }, 'invalid-field'],
  ['create-chat with x > 1', { ...valid['create-chat'], x: 1.01 }, 'invalid-field'],
  ['create-chat with y < 0', { ...valid['create-chat'], y: -0.1 }, 'invalid-field'],
  ['create-chat with x as string', { ...valid['create-chat'], x: '0.5' }, 'invalid-field'],
  ['create-chat with NaN-like x', { ...valid['create-chat'], x: null }, 'invalid-field'],
  ['create-chat with empty text', { ...valid['create-chat'], text: '   ' }, 'invalid-field'],
  ['create-chat with overlong text', { ...valid['create-chat'], text: 'x'.repeat(LIMITS.MAX_TEXT_LENGTH + 1) }, 'too-large'],
  ['add-comment without chatId', { ...valid['add-comment'], chatId: undefined }, 'invalid-field'],
  ['add-comment with text as number', { ...valid['add-comment'], text: 42 }, 'invalid-field'],
  ['edit-comment without commentId', { ...valid['edit-comment'], commentId: undefined }, 'invalid-field'],
  ['delete-comment with an id holding markup', { ...valid['delete-comment'], commentId: '<img>' }, 'invalid-field'],
  ['move-chat without y', { ...valid['move-chat'], y: undefined }, 'invalid-field'],
  ['resolve-chat with resolved as string', { ...valid['resolve-chat'], resolved: 'yes' }, 'invalid-field'],
  ['delete-chat with an overlong chatId', { ...valid['delete-chat'], chatId: 'c'.repeat(LIMITS.MAX_ID_LENGTH + 1) }, 'invalid-field'],
];

describe('rejects with the exact code', () => {
  for (const [name, frame, code] of rejected) {
    test(name, () => {
      const result = validateClientMessage(frame);
      expect(result.ok).toBe(false);
      if (!result.ok) {
        expect(result.code).toBe(code);
        expect(result.error.length).toBeGreaterThan(5);
      }
    });
  }

  test('a rejected write names its broadcastId and type', () => {
    const result = validateClientMessage({ ...valid['move-chat'], x: 7 });
    expect(result).toMatchObject({ ok: false, code: 'invalid-field', broadcastId: 'b-1', for: 'move-chat' });
  });

  test('malformed JSON is a bad-request', () => {
    expect(parseClientFrame('{"type":')).toMatchObject({ ok: false, code: 'bad-request' });
  });

  test('limits can be tightened by the server', () => {
    const result = validateClientMessage({ ...valid['add-comment'], text: 'abcdef' }, { ...LIMITS, MAX_TEXT_LENGTH: 5 });
    expect(result).toMatchObject({ ok: false, code: 'too-large' });
  });
});

describe('validateWriteMessage (what the widget checks before it sends)', () => {
  const write = { type: 'add-comment', broadcastId: 'b1', tenantId: 'demo', urlId: 'img', chatId: 'c1', text: '  hello  ' };

  test('a write gets exactly the answer validateClientMessage gives it, valid or not', () => {
    expect(validateWriteMessage(write)).toEqual(validateClientMessage(write));
    const tooLong = { ...write, text: 'x'.repeat(LIMITS.MAX_TEXT_LENGTH + 1) };
    expect(validateWriteMessage(tooLong)).toEqual(validateClientMessage(tooLong));
    expect(validateWriteMessage({ ...write, chatId: 7 })).toEqual(validateClientMessage({ ...write, chatId: 7 }));
  });

  test('any other frame is refused as not a write', () => {
    expect(validateWriteMessage({ type: 'ping' })).toEqual({ ok: false, code: 'unknown-type', error: 'not a write', for: 'ping' });
    expect(validateWriteMessage({ type: 'subscribe', tenantId: 'demo', urlId: 'img' })).toMatchObject({ ok: false, code: 'unknown-type' });
    expect(validateWriteMessage('nope')).toEqual({ ok: false, code: 'bad-request', error: 'a frame must be a JSON object' });
  });
});
