import { expect, test } from 'vitest';
import { isWriteMessage, validateClientMessage } from '../../shared/index.js';

test('subscribe-tenant with a tenant id and a secret is valid', () => {
  expect(validateClientMessage({ type: 'subscribe-tenant', tenantId: 'demo', secret: 'ics_abc' })).toEqual({
    ok: true, message: { type: 'subscribe-tenant', tenantId: 'demo', secret: 'ics_abc' },
  });
});

test('subscribe-tenant without a secret is valid (the server answers forbidden)', () => {
  expect(validateClientMessage({ type: 'subscribe-tenant', tenantId: 'demo' })).toEqual({ ok: true, message: { type: 'subscribe-tenant', tenantId: 'demo' } });
});

test('subscribe-tenant with a bad tenant id or secret is invalid-field', () => {
  expect(validateClientMessage({ type: 'subscribe-tenant', tenantId: 'a b', secret: 'x' })).toMatchObject({
    ok: false, code: 'invalid-field', error: '"tenantId" may hold only letters, digits, "-" and "_"', for: 'subscribe-tenant',
  });
  expect(validateClientMessage({ type: 'subscribe-tenant', secret: 'x' })).toMatchObject({ ok: false, code: 'invalid-field', error: '"tenantId" must be a non-empty string' });
  expect(validateClientMessage({ type: 'subscribe-tenant', tenantId: 'demo', secret: 42 })).toMatchObject({ ok: false, code: 'invalid-field', error: '"secret" must be the tenant\'s API secret' });
  expect(validateClientMessage({ type: 'subscribe-tenant', tenantId: 'demo', secret: 'x'.repeat(257) })).toMatchObject({ ok: false, code: 'invalid-field' });
});

test('subscribe-tenant is not a write', () => {
  const result = validateClientMessage({ type: 'subscribe-tenant', tenantId: 'demo', secret: 's' });
  if (!result.ok) throw new Error('expected a valid message');
  expect(isWriteMessage(result.message)).toBe(false);
  const write = validateClientMessage({ type: 'delete-chat', broadcastId: 'b1', tenantId: 'demo', urlId: 'u', chatId: 'c1' });
  if (!write.ok) throw new Error('expected a valid message');
  expect(isWriteMessage(write.message)).toBe(true);
});
