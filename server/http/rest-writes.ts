/**
 * `POST /api/v1/tenants/{tenantId}/writes` (docs/api.md): a site's backend writes as the tenant's admin, or on
 * behalf of one of its SSO users, through the same core as a widget's write: the shared validator, then
 * `ChatService.authorizeWrite` (the tenant's rules; origin `any`), the write budgets, then `ChatService.commit`,
 * which stores it with the image's next seq and publishes it to every subscriber on every node.
 * Retries are idempotent (rest-idempotency.ts).
 */
import { randomUUID } from 'node:crypto';
import { ERROR_CODES, SSO_ID_PREFIX, isSafeAvatarUrl, validateWriteMessage, type Author, type ImageEvent, type Limits, type WriteMessage } from '../../shared/index.js';
import type { ChatService } from '../core/service.js';
import { KeyedMinuteBudgets } from '../gateway/minute-budget.js';
import { readJsonBody } from './json-body.js';
import { HttpError } from './http-error.js';
import { sendJson } from './router.js';
import type { ApiEndpoint } from './api-endpoints.js';
import { broadcastIdForKey, idempotencyKeyOf, idempotent, type RestAnswer } from './rest-idempotency.js';
import type { Store } from '../store/types.js';

/** The tenant's write budgets on this node, which widget writes charge too (GatewayBudgets). */
export interface TenantWriteBudget {
  /** Charges one authorized write to its tenant; all or nothing. Null when charged, else when to try again. */
  chargeTenant(message: WriteMessage): { message: string; retryAfterMs: number } | null;
}

interface RestWritesOptions {
  store: Store;
  service: ChatService;
  limits: Limits;
  tenantBudget: TenantWriteBudget;
}

/** The author id of the tenant's admin writing over REST; its name is the tenant's name. */
export const ADMIN_AUTHOR_ID = 'api:admin';
/** The name of an `asUser` without one, as for an SSO user without a display name. */
const DEFAULT_USER_NAME = 'User';
const MAX_USER_ID_LENGTH = 256;
/** How often the REST budgets that refilled to full are forgotten, as the gateway's are. */
const REST_BUDGET_SWEEP_MS = 10_000;
const CONTROL = /[\u0000-\u001f\u007f]/;

/** Who a REST write acts as: the tenant's admin, or one of its SSO users. */
interface RestWriter {
  author: Author;
  kind: 'sso';
  moderator: boolean;
  admin: boolean;
}

/** `asUser: { id, name?, avatar? }` as an SSO user's author (`sso:<id>`), never a moderator. */
function userOf(value: unknown, limits: Limits): Author {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new HttpError('invalid-field', '"asUser" must be an object { id, name?, avatar? }');
  const { id, name, avatar } = value as Record<string, unknown>;
  const text = typeof id === 'number' && Number.isSafeInteger(id) ? String(id) : id;
  if (typeof text !== 'string' || text.length === 0 || text.length > MAX_USER_ID_LENGTH || CONTROL.test(text)) {
    throw new HttpError('invalid-field', `"asUser.id" must be a string of 1 to ${MAX_USER_ID_LENGTH} characters (no control characters) or a whole number`);
  }
  if (name !== undefined && (typeof name !== 'string' || name.trim().length === 0 || name.length > limits.MAX_NAME_LENGTH || CONTROL.test(name))) {
    throw new HttpError('invalid-field', `"asUser.name" must be a string of 1 to ${limits.MAX_NAME_LENGTH} characters`);
  }
  if (avatar !== undefined && !isSafeAvatarUrl(avatar)) throw new HttpError('invalid-field', '"asUser.avatar" must be an https URL or a small PNG, JPEG, GIF or WebP data URL');
  return { id: `${SSO_ID_PREFIX}${text}`, name: typeof name === 'string' ? name.trim() : DEFAULT_USER_NAME, ...(avatar !== undefined ? { avatar } : {}) };
}

/** The body as a write of the path's tenant, with `broadcastId` when the caller gives none, and who writes. */
function parseBody(body: Record<string, unknown>, tenantId: string, broadcastId: string, limits: Limits): { message: WriteMessage; asUser: Author | null } {
  const { asUser, tenantId: named, ...fields } = body;
  if (named !== undefined && named !== tenantId) throw new HttpError('invalid-field', '"tenantId" is taken from the path; leave it out');
  const checked = validateWriteMessage({ broadcastId, ...fields, tenantId }, limits);
  if (!checked.ok) throw new HttpError(checked.code, checked.error);
  return { message: checked.message, asUser: asUser === undefined ? null : userOf(asUser, limits) };
}

/** The comment a write made, changed or deleted, when it names one. */
function commentIdOf(event: ImageEvent): string | undefined {
  if (event.type === 'new-image-chat') return event.chat.comments[0]?.id;
  if (event.type === 'image-chat-updated') return event.comment?.id ?? event.commentId;
  return undefined;
}

/** The answer to a stored write: `{ broadcastId, seq, chatId, commentId? }`. */
function writeAnswer(event: ImageEvent): Record<string, unknown> {
  const commentId = commentIdOf(event);
  return { broadcastId: event.broadcastId, seq: event.seq, chatId: event.chatId, ...(commentId !== undefined ? { commentId } : {}) };
}

export function restWriteEndpoints(options: RestWritesOptions): ApiEndpoint[] {
  const { store, service, limits, tenantBudget } = options;
  const restBudget = new KeyedMinuteBudgets(limits.REST_WRITES_PER_MINUTE);
  let sweptAt = Date.now();

  /** Null when the write may go on (both budgets charged), else the 429. */
  const overBudget = (message: WriteMessage): HttpError | null => {
    // Budgets that refilled are forgotten as writes come (no timer to clear): one per tenant that wrote lately.
    if (Date.now() - sweptAt > REST_BUDGET_SWEEP_MS) {
      restBudget.sweep();
      sweptAt = Date.now();
    }
    const wait = restBudget.wait(message.tenantId, 1);
    const refusal = wait > 0
      ? { message: `this site passed ${limits.REST_WRITES_PER_MINUTE} REST writes a minute on this server; try again in ${Math.ceil(wait / 1000)} s`, retryAfterMs: wait }
      : tenantBudget.chargeTenant(message);
    if (refusal) return new HttpError('rate-limited', refusal.message, { 'retry-after': String(Math.max(1, Math.ceil(refusal.retryAfterMs / 1000))) });
    restBudget.take(message.tenantId, 1);
    return null;
  };

  /** The write itself: a refusal before the store is thrown (nothing written, the key let go); the store's answer is returned. */
  const perform = async (message: WriteMessage, asUser: Author | null): Promise<RestAnswer> => {
    const tenant = await service.tenants.get(message.tenantId);
    if (!tenant) throw new HttpError('not-found', `no tenant "${message.tenantId}"`);
    const writer: RestWriter = asUser
      ? { author: asUser, kind: 'sso', moderator: false, admin: false }
      : { author: { id: ADMIN_AUTHOR_ID, name: tenant.name }, kind: 'sso', moderator: true, admin: true };
    const authorization = await service.authorizeWrite(message, writer, 'any');
    if (!authorization.ok) throw new HttpError(authorization.code, authorization.message);
    const refusal = overBudget(message);
    if (refusal) throw refusal;
    const outcome = await service.commit(message, authorization.actor);
    if (!outcome.ok) return { status: ERROR_CODES[outcome.code].http, body: { error: { code: outcome.code, message: outcome.message } } };
    return { status: 200, body: writeAnswer(outcome.event) };
  };

  return [{
    method: 'POST',
    path: '/api/v1/tenants/{tenantId}/writes',
    auth: 'tenant',
    handler: async ({ request, response, tenantId }) => {
      const body = await readJsonBody(request, limits.MAX_FRAME_BYTES);
      if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new HttpError('bad-request', 'the body must be a JSON object: a write');
      const fields = body as Record<string, unknown>;
      const callerBroadcastId = typeof fields.broadcastId === 'string' ? fields.broadcastId : undefined;
      const key = idempotencyKeyOf(request, callerBroadcastId);
      // Every attempt of one key writes under one broadcastId, so a repeat can find what a lost attempt stored.
      const broadcastId = callerBroadcastId ?? (key === null ? randomUUID() : broadcastIdForKey(tenantId, key));
      const { message, asUser } = parseBody(fields, tenantId, broadcastId, limits);
      const answer = await idempotent(store, { tenantId, key, body }, {
        write: () => perform(message, asUser),
        recover: async () => {
          const event = await store.findEventByBroadcastId({ tenantId, urlId: message.urlId }, message.broadcastId);
          return event === null ? null : { status: 200, body: writeAnswer(event) };
        },
      });
      if (answer.replayed) response.setHeader('idempotent-replayed', 'true');
      sendJson(response, answer.status, answer.body);
    },
  }];
}
