/** The `typing` frame (presence, issue 15): validated like every frame, never a write. */
import { expect, test } from 'vitest';
import { changeRules, DEFAULT_RULES, isWriteMessage, parseServerFrame, validateClientMessage } from '../../shared/index.js';

const typing = { type: 'typing', tenantId: 'demo', urlId: 'https://example.com/plan.png', chatId: 'c-1' };

test('a typing frame with a tenant, image and thread is valid, and not a write', () => {
  const result = validateClientMessage(typing);
  expect(result).toEqual({ ok: true, message: typing });
  if (!result.ok) throw new Error('expected a valid message');
  expect(isWriteMessage(result.message)).toBe(false);
});

test('stopped: true is kept; stopped: false means still typing', () => {
  expect(validateClientMessage({ ...typing, stopped: true })).toEqual({ ok: true, message: { ...typing, stopped: true } });
  expect(validateClientMessage({ ...typing, stopped: false })).toEqual({ ok: true, message: typing });
});

test('bad fields are invalid-field with their reason, naming the frame', () => {
  expect(validateClientMessage({ ...typing, chatId: undefined })).toEqual({ ok: false, code: 'invalid-field', error: '"chatId" must be a non-empty string', for: 'typing' });
  expect(validateClientMessage({ ...typing, chatId: 'a b' })).toEqual({ ok: false, code: 'invalid-field', error: '"chatId" may hold only letters, digits, "-" and "_"', for: 'typing' });
  expect(validateClientMessage({ ...typing, chatId: 'x'.repeat(65) })).toEqual({ ok: false, code: 'invalid-field', error: '"chatId" is longer than 64 characters', for: 'typing' });
  expect(validateClientMessage({ ...typing, stopped: 'yes' })).toEqual({ ok: false, code: 'invalid-field', error: '"stopped" must be true or false', for: 'typing' });
  expect(validateClientMessage({ ...typing, tenantId: '' })).toEqual({ ok: false, code: 'invalid-field', error: '"tenantId" must be a non-empty string', for: 'typing' });
  expect(validateClientMessage({ ...typing, urlId: 'a\u0000b' })).toEqual({ ok: false, code: 'invalid-field', error: '"urlId" must not hold control characters or lone surrogates', for: 'typing' });
});

test('the tenant rule presence is a boolean, on by default', () => {
  expect(DEFAULT_RULES.presence).toBe(true);
  expect(changeRules(DEFAULT_RULES, { presence: false })).toEqual({ ok: true, rules: { ...DEFAULT_RULES, presence: false } });
  expect(changeRules(DEFAULT_RULES, { presence: 'off' })).toEqual({ ok: false, message: '"presence" must be true or false' });
});

test('a client parses presence frames', () => {
  const frame = { type: 'presence', tenantId: 'demo', urlId: 'u', count: 2, snapshot: true, viewers: [{ id: 'sso:1', name: 'Ann' }] };
  expect(parseServerFrame(JSON.stringify(frame))).toEqual(frame);
});
