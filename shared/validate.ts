/**
 * Validation of every inbound client frame: `unknown` in, a typed message or a typed error out.
 * The server runs this on every frame before anything else; the widget runs it before sending, so a
 * bad write fails at once with the same code the server would give.
 */
import { type ErrorCode } from './errors.js';
import { LIMITS, type Limits as AllLimits } from './limits.js';
import { cleanName, cleanText, hasControlCharacter, hasLoneSurrogate } from './text.js';
import { WRITE_TYPES, type ClientMessage, type WriteMessage, type WriteEnvelope } from './messages.js';
import { MAX_SSO_USER_DATA_LENGTH, isSafeAvatarUrl, type SecureSso, type SimpleSso } from './sso.js';

type Validated<T> =
  | { ok: true; message: T }
  | { ok: false; code: ErrorCode; error: string; for?: string; broadcastId?: string };

type Fields = Record<string, unknown>;
type Limits = Pick<AllLimits, 'MAX_TEXT_LENGTH' | 'MAX_NAME_LENGTH' | 'MAX_URL_ID_LENGTH' | 'MAX_TENANT_ID_LENGTH' | 'MAX_ID_LENGTH'> & Partial<Pick<AllLimits, 'MAX_SEQ'>>;

/** Thrown inside this module only, to stop at the first bad field. */
class FieldError extends Error {
  constructor(readonly code: ErrorCode, message: string) {
    super(message);
  }
}

const ID_PATTERN = /^[A-Za-z0-9_-]+$/;
const WRITE_TYPE_SET: ReadonlySet<string> = new Set<string>(WRITE_TYPES);

const isObject = (value: unknown): value is Fields =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function id(frame: Fields, field: string, limits: Limits, max = limits.MAX_ID_LENGTH): string {
  const value = frame[field];
  if (typeof value !== 'string' || value.length === 0) throw new FieldError('invalid-field', `"${field}" must be a non-empty string`);
  if (value.length > max) throw new FieldError('invalid-field', `"${field}" is longer than ${max} characters`);
  if (!ID_PATTERN.test(value)) throw new FieldError('invalid-field', `"${field}" may hold only letters, digits, "-" and "_"`);
  return value;
}

function optionalId(frame: Fields, field: string, limits: Limits): string | undefined {
  return frame[field] === undefined ? undefined : id(frame, field, limits);
}

function urlId(frame: Fields, limits: Limits): string {
  const value = frame.urlId;
  if (typeof value !== 'string' || value.length === 0) throw new FieldError('invalid-field', '"urlId" must be a non-empty string');
  if (value.length > limits.MAX_URL_ID_LENGTH) throw new FieldError('invalid-field', `"urlId" is longer than ${limits.MAX_URL_ID_LENGTH} characters`);
  // An image id is a key, never rewritten: what a store cannot hold exactly is refused.
  if (hasControlCharacter(value) || hasLoneSurrogate(value)) throw new FieldError('invalid-field', '"urlId" must not hold control characters or lone surrogates');
  return value;
}

function coordinate(frame: Fields, field: 'x' | 'y'): number {
  const value = frame[field];
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new FieldError('invalid-field', `"${field}" must be a number`);
  if (value < 0 || value > 1) throw new FieldError('invalid-field', `"${field}" must be between 0 and 1`);
  return value;
}

function text(frame: Fields, limits: Limits): string {
  const value = frame.text;
  if (typeof value !== 'string') throw new FieldError('invalid-field', '"text" must be a string');
  if (hasLoneSurrogate(value)) throw new FieldError('invalid-field', '"text" is not valid Unicode (a lone surrogate)');
  const trimmed = cleanText(value);
  if (trimmed.length === 0) throw new FieldError('invalid-field', '"text" must not be empty');
  if (trimmed.length > limits.MAX_TEXT_LENGTH) throw new FieldError('too-large', `"text" is longer than ${limits.MAX_TEXT_LENGTH} characters`);
  return trimmed;
}

function boolean(frame: Fields, field: string): boolean {
  const value = frame[field];
  if (typeof value !== 'boolean') throw new FieldError('invalid-field', `"${field}" must be true or false`);
  return value;
}

function imageFields(frame: Fields, limits: Limits): { tenantId: string; urlId: string } {
  return { tenantId: id(frame, 'tenantId', limits, limits.MAX_TENANT_ID_LENGTH), urlId: urlId(frame, limits) };
}

function envelope(frame: Fields, limits: Limits): WriteEnvelope {
  return { broadcastId: id(frame, 'broadcastId', limits), ...imageFields(frame, limits) };
}

function write(type: WriteMessage['type'], frame: Fields, limits: Limits): WriteMessage {
  const base = envelope(frame, limits);
  switch (type) {
    case 'create-chat': {
      const chatId = optionalId(frame, 'chatId', limits);
      const commentId = optionalId(frame, 'commentId', limits);
      return {
        type, ...base, x: coordinate(frame, 'x'), y: coordinate(frame, 'y'), text: text(frame, limits),
        ...(chatId ? { chatId } : {}), ...(commentId ? { commentId } : {}),
      };
    }
    case 'add-comment': {
      const commentId = optionalId(frame, 'commentId', limits);
      return { type, ...base, chatId: id(frame, 'chatId', limits), text: text(frame, limits), ...(commentId ? { commentId } : {}) };
    }
    case 'edit-comment':
      return { type, ...base, chatId: id(frame, 'chatId', limits), commentId: id(frame, 'commentId', limits), text: text(frame, limits) };
    case 'delete-comment':
      return { type, ...base, chatId: id(frame, 'chatId', limits), commentId: id(frame, 'commentId', limits) };
    case 'move-chat':
      return { type, ...base, chatId: id(frame, 'chatId', limits), x: coordinate(frame, 'x'), y: coordinate(frame, 'y') };
    case 'resolve-chat':
      return { type, ...base, chatId: id(frame, 'chatId', limits), resolved: boolean(frame, 'resolved') };
    case 'delete-chat':
      return { type, ...base, chatId: id(frame, 'chatId', limits) };
  }
}

/** The shape of a Secure SSO payload; whether it is genuine is the server's to check (server/auth/sso.ts). */
function secureSso(value: unknown): SecureSso {
  if (!isObject(value)) throw new FieldError('invalid-field', '"sso" must be an object with userDataJSONBase64, verificationHash and timestamp');
  const { userDataJSONBase64, verificationHash, timestamp } = value;
  if (typeof userDataJSONBase64 !== 'string' || userDataJSONBase64.length === 0) throw new FieldError('invalid-field', '"sso.userDataJSONBase64" must be a string');
  if (userDataJSONBase64.length > MAX_SSO_USER_DATA_LENGTH) throw new FieldError('too-large', `"sso.userDataJSONBase64" is longer than ${MAX_SSO_USER_DATA_LENGTH} characters`);
  if (typeof verificationHash !== 'string' || verificationHash.length > 128) throw new FieldError('invalid-field', '"sso.verificationHash" must be a hex string');
  if (typeof timestamp !== 'number' || !Number.isSafeInteger(timestamp) || timestamp < 0) throw new FieldError('invalid-field', '"sso.timestamp" must be milliseconds since the epoch');
  return { userDataJSONBase64, verificationHash, timestamp };
}

/** An unsigned identity from the page: a clean name, an optional id, an optional safe avatar. */
function simpleSso(value: unknown, limits: Limits): SimpleSso {
  if (!isObject(value)) throw new FieldError('invalid-field', '"simpleSso" must be an object with a name');
  const { name, avatar } = value;
  if (typeof name !== 'string' || hasLoneSurrogate(name)) throw new FieldError('invalid-field', '"simpleSso.name" must be a string');
  const cleaned = cleanName(name);
  if (cleaned.length === 0 || cleaned.length > limits.MAX_NAME_LENGTH) throw new FieldError('invalid-field', `"simpleSso.name" must be 1 to ${limits.MAX_NAME_LENGTH} characters`);
  if (avatar !== undefined && !isSafeAvatarUrl(avatar)) throw new FieldError('invalid-field', '"simpleSso.avatar" must be an https URL or a small data:image URL');
  const simpleId = value.id === undefined ? undefined : id(value, 'id', limits);
  return { name: cleaned, ...(simpleId !== undefined ? { id: simpleId } : {}), ...(avatar !== undefined ? { avatar } : {}) };
}

function message(frame: Fields, limits: Limits): ClientMessage {
  const type = frame.type;
  switch (type) {
    case 'ping':
      return { type };
    case 'hello': {
      const { name, session } = frame;
      if (name !== undefined && typeof name !== 'string') throw new FieldError('invalid-field', '"name" must be a string');
      if (typeof name === 'string' && hasLoneSurrogate(name)) throw new FieldError('invalid-field', '"name" is not valid Unicode (a lone surrogate)');
      const cleaned = typeof name === 'string' ? cleanName(name) : undefined;
      if (cleaned !== undefined && cleaned.length > limits.MAX_NAME_LENGTH) throw new FieldError('too-large', `"name" is longer than ${limits.MAX_NAME_LENGTH} characters`);
      if (session !== undefined && (typeof session !== 'string' || session.length > 1024)) throw new FieldError('invalid-field', '"session" must be a token string');
      const tenantId = frame.tenantId === undefined ? undefined : id(frame, 'tenantId', limits, limits.MAX_TENANT_ID_LENGTH);
      if ((frame.sso !== undefined || frame.simpleSso !== undefined) && tenantId === undefined) throw new FieldError('invalid-field', '"sso" and "simpleSso" need the "tenantId" they sign in to');
      if (frame.sso !== undefined && frame.simpleSso !== undefined) throw new FieldError('invalid-field', 'send either "sso" or "simpleSso", not both');
      return {
        type, ...(cleaned !== undefined ? { name: cleaned } : {}), ...(session !== undefined ? { session } : {}),
        ...(tenantId !== undefined ? { tenantId } : {}),
        ...(frame.sso !== undefined ? { sso: secureSso(frame.sso) } : {}),
        ...(frame.simpleSso !== undefined ? { simpleSso: simpleSso(frame.simpleSso, limits) } : {}),
      };
    }
    case 'subscribe': {
      const { since, epoch } = frame;
      const maxSeq = limits.MAX_SEQ ?? LIMITS.MAX_SEQ;
      if (since !== undefined && (typeof since !== 'number' || !Number.isSafeInteger(since) || since < 0 || since > maxSeq)) throw new FieldError('invalid-field', `"since" must be a whole number from 0 to ${maxSeq}`);
      if (epoch !== undefined && (typeof epoch !== 'string' || epoch.length > limits.MAX_ID_LENGTH || !ID_PATTERN.test(epoch))) throw new FieldError('invalid-field', '"epoch" must be a string from an earlier "subscribed"');
      return { type, ...imageFields(frame, limits), ...(since !== undefined ? { since } : {}), ...(epoch !== undefined ? { epoch } : {}) };
    }
    case 'unsubscribe':
      return { type, ...imageFields(frame, limits) };
    case 'subscribe-tenant': {
      const { secret } = frame;
      if (secret !== undefined && (typeof secret !== 'string' || secret.length > 256)) throw new FieldError('invalid-field', '"secret" must be the tenant\'s API secret');
      return { type, tenantId: id(frame, 'tenantId', limits, limits.MAX_TENANT_ID_LENGTH), ...(secret !== undefined ? { secret } : {}) };
    }
    case 'typing': {
      const { stopped } = frame;
      if (stopped !== undefined && typeof stopped !== 'boolean') throw new FieldError('invalid-field', '"stopped" must be true or false');
      return { type, ...imageFields(frame, limits), chatId: id(frame, 'chatId', limits), ...(stopped === true ? { stopped } : {}) };
    }
    case 'create-chat':
    case 'add-comment':
    case 'edit-comment':
    case 'delete-comment':
    case 'move-chat':
    case 'resolve-chat':
    case 'delete-chat':
      return write(type, frame, limits);
    default:
      if (typeof type !== 'string') throw new FieldError('bad-request', '"type" must be a string');
      throw new FieldError('unknown-type', `unknown message type "${type.slice(0, 40)}"`);
  }
}

/** Runs `narrow` on an object frame and turns a `FieldError` into the refusal that names the frame's type and broadcastId. */
function validated<T>(frame: unknown, limits: Limits, narrow: (frame: Fields) => T): Validated<T> {
  if (!isObject(frame)) return { ok: false, code: 'bad-request', error: 'a frame must be a JSON object' };
  try {
    return { ok: true, message: narrow(frame) };
  } catch (error) {
    if (!(error instanceof FieldError)) throw error;
    const broadcastId = typeof frame.broadcastId === 'string' && frame.broadcastId.length <= limits.MAX_ID_LENGTH ? frame.broadcastId : undefined;
    const type = typeof frame.type === 'string' ? frame.type.slice(0, 40) : undefined;
    return { ok: false, code: error.code, error: error.message, ...(type ? { for: type } : {}), ...(broadcastId ? { broadcastId } : {}) };
  }
}

/**
 * Narrows a parsed frame to a client message.
 * @example
 * const result = validateClientMessage(JSON.parse(raw));
 * if (!result.ok) return sendError(result.code, result.error);
 */
export function validateClientMessage(frame: unknown, limits: Limits = LIMITS): Validated<ClientMessage> {
  return validated(frame, limits, (fields) => message(fields, limits));
}

/**
 * Narrows a frame to a write, exactly as `validateClientMessage` would, refusing every other type: what a client
 * checks before it sends a write (the widget's bundle then carries no validation of other frames).
 */
export function validateWriteMessage(frame: unknown, limits: Limits = LIMITS): Validated<WriteMessage> {
  return validated(frame, limits, (fields) => {
    const type = fields.type;
    if (typeof type !== 'string' || !WRITE_TYPE_SET.has(type)) throw new FieldError('unknown-type', 'not a write');
    return write(type as WriteMessage['type'], fields, limits);
  });
}

/** Parses a text frame and validates it; malformed JSON is a `bad-request`. */
export function parseClientFrame(raw: string, limits: Limits = LIMITS): Validated<ClientMessage> {
  let frame: unknown;
  try {
    frame = JSON.parse(raw);
  } catch {
    return { ok: false, code: 'bad-request', error: 'the frame is not valid JSON' };
  }
  return validateClientMessage(frame, limits);
}

export const isWriteMessage = (message: ClientMessage): message is WriteMessage => WRITE_TYPE_SET.has(message.type);
