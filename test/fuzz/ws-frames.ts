/**
 * Hostile WebSocket frames for the fuzzer, drawn from a seeded PRNG so a failing run can be replayed with
 * `FUZZ_SEED`: random bytes, binary frames, valid frames of every client type mutated field by field
 * (wrong types, huge and non-finite numbers, NUL, lone surrogates, prototype keys, deep nesting, long
 * strings), truncated JSON, and oversized frames.
 */
import { LIMITS } from '../../shared/index.js';


export interface Random {
  (): number;
}

const int = (random: Random, below: number): number => Math.floor(random() * below);
const pick = <T>(random: Random, items: readonly T[]): T => items[int(random, items.length)]!;

/** One frame to send: text (a string, or raw bytes sent as a text frame) or binary. */
export interface HostileFrame {
  kind: string;
  data: string | Buffer;
  binary: boolean;
  /** A `typing` frame: accepted ones get no answer (presence), refused ones an error; either is right. */
  mayGoUnanswered?: true;
}

/** The images and tenants hostile clients aim at: their own, a tenant they may not use, and nonsense. */
export interface Targets {
  /** Tenant the hostile clients may write to (accepts any origin). */
  openTenant: string;
  /** Tenant whose origin they do not have. */
  closedTenant: string;
  /** Their own images. */
  images: readonly string[];
}

const uuid = (random: Random): string => {
  const hex = Array.from({ length: 32 }, () => int(random, 16).toString(16)).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
};

/** Values that are wrong in some way for some field. */
function oddValue(random: Random, depth = 0): unknown {
  switch (int(random, 16)) {
    case 0: return null;
    case 1: return pick(random, [0, -0, -1, 1.5, 2 ** 31, 2 ** 31 - 1, 2 ** 53 + 1, -(2 ** 63), 1e308, Number.MIN_VALUE]);
    case 2: return pick(random, [true, false]);
    case 3: return 'x'.repeat(pick(random, [0, 1, 65, 2049, 4001, 20_000]));
    case 4: return `a\u0000b`;
    case 5: return `lone ${pick(random, ['\ud800', '\udfff', '\ud83d'])} surrogate`;
    case 6: return pick(random, ['\u202e override', '\u200b', '\u0007bell', '\r\n', '<script>alert(1)</script>', '../../etc/passwd', '%00', '🖼️'.repeat(500)]);
    case 7: return depth > 2 ? [] : [oddValue(random, depth + 1), oddValue(random, depth + 1)];
    // Parsed, so that "__proto__" is an own key (an object literal would set the prototype instead).
    case 8: return JSON.parse('{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}');
    case 9: return {};
    case 10: return uuid(random);
    case 11: return pick(random, ['demo', 'good', '__proto__', 'constructor', 'prototype', 'hasOwnProperty', '']);
    case 12: return random();
    case 13: return String(int(random, 10_000));
    case 14: return pick(random, ['ping', 'subscribe', 'create-chat', 'batch', 'ack', 'error']);
    default: return undefined;
  }
}

/** A valid frame of every client type, aimed at the targets. */
function validFrame(random: Random, targets: Targets): Record<string, unknown> {
  const tenantId = random() < 0.85 ? targets.openTenant : pick(random, [targets.closedTenant, 'no-such-tenant']);
  const urlId = pick(random, targets.images);
  const write = { broadcastId: uuid(random), tenantId, urlId };
  const chatId = uuid(random);
  switch (int(random, 15)) {
    case 0: return { type: 'ping' };
    case 1: return { type: 'hello', name: `fuzz ${int(random, 100)}`, ...(random() < 0.3 ? { session: `forged.${uuid(random)}` } : {}) };
    case 2:
    case 3: return { type: 'subscribe', tenantId, urlId, ...(random() < 0.3 ? { since: int(random, 50), epoch: uuid(random) } : {}) };
    case 4: return { type: 'unsubscribe', tenantId, urlId };
    case 5: return { type: 'subscribe-tenant', tenantId, secret: `ics_${uuid(random)}` };
    case 6: return { type: 'create-chat', ...write, chatId, x: random(), y: random(), text: `marker ${int(random, 1000)}` };
    case 7: return { type: 'add-comment', ...write, chatId, text: 'a reply' };
    case 8: return { type: 'edit-comment', ...write, chatId, commentId: uuid(random), text: 'edited' };
    case 9: return { type: 'delete-comment', ...write, chatId, commentId: uuid(random) };
    case 10: return { type: 'move-chat', ...write, chatId, x: random(), y: random() };
    case 11: return { type: 'resolve-chat', ...write, chatId, resolved: random() < 0.5 };
    // Presence: typing in a thread, renewed or stopped (throttled and dropped silently past one a second).
    case 12: return { type: 'typing', tenantId, urlId, chatId };
    case 13: return { type: 'typing', tenantId, urlId, chatId, stopped: random() < 0.7 };
    default: return { type: 'delete-chat', ...write, chatId };
  }
}

/** A valid frame with one to three fields removed, replaced by odd values, or added. */
function mutatedFrame(random: Random, targets: Targets): Record<string, unknown> {
  const frame = validFrame(random, targets);
  const keys = [...Object.keys(frame), 'type', 'extra', '__proto__', 'constructor', 'prototype', 'toString'];
  for (let i = 0, n = 1 + int(random, 3); i < n; i += 1) {
    const key = pick(random, keys);
    if (random() < 0.2) delete frame[key];
    // defineProperty, so that "__proto__" becomes an own key that JSON.stringify writes out.
    else Object.defineProperty(frame, key, { value: oddValue(random), enumerable: true, configurable: true, writable: true });
  }
  return frame;
}

function deepNesting(random: Random): string {
  const depth = pick(random, [100, 1000, 10_000, 30_000]);
  return random() < 0.5
    ? `${'['.repeat(depth)}${']'.repeat(depth)}`
    : `{"type":"subscribe","tenantId":"demo","urlId":"x","since":${'{"a":'.repeat(Math.min(depth, 10_000))}1${'}'.repeat(Math.min(depth, 10_000))}}`;
}

/** Raw JSON texts that `JSON.stringify` cannot make: non-finite numbers, duplicate keys, odd escapes. */
function rawJson(random: Random): string {
  return pick(random, [
    '{"type":"subscribe","tenantId":"demo","urlId":"x","since":1e400}',
    '{"type":"subscribe","tenantId":"demo","urlId":"x","since":-1e400}',
    '{"type":"subscribe","tenantId":"demo","urlId":"x","since":NaN}',
    '{"type":"ping","type":"hello","type":"create-chat"}',
    '{"type":"create-chat","x":0.5,"y":0.5,"text":"\\ud800","broadcastId":"b","tenantId":"demo","urlId":"x"}',
    '{"type":"hello","name":"\\u0000\\u0000"}',
    '{"type":"subscribe","tenantId":"demo","urlId":"\\udfff"}',
    `{"type":"subscribe","tenantId":"demo","urlId":"x","since":${'9'.repeat(400)}}`,
    '{"__proto__":{"type":"ping"}}',
    '{"constructor":{"prototype":{"type":"ping"}},"type":"ping"}',
    '"just a string"', '42', 'true', 'null', '[]', '{}', '', ' ', '\u0000', '{"type":null}', '{"type":{}}', '{"type":["ping"]}',
  ]);
}

/**
 * One hostile frame. `oversized` frames pass MAX_FRAME_BYTES (the server closes with 1009); raw invalid UTF-8
 * in a text frame makes it close with 1007; everything else must get an `error` (or its normal answer).
 */
export function hostileFrame(random: Random, targets: Targets): HostileFrame {
  const roll = random();
  if (roll < 0.04) return { kind: 'random-bytes', data: Buffer.from(Array.from({ length: 1 + int(random, 200) }, () => int(random, 256))), binary: false };
  if (roll < 0.08) return { kind: 'binary', data: Buffer.from(JSON.stringify(validFrame(random, targets))), binary: true };
  if (roll < 0.11) return { kind: 'deep-nesting', data: deepNesting(random), binary: false };
  if (roll < 0.18) return { kind: 'raw-json', data: rawJson(random), binary: false };
  if (roll < 0.2) return { kind: 'oversized', data: `{"type":"ping","pad":"${'p'.repeat(LIMITS.MAX_FRAME_BYTES + int(random, 1000))}"}`, binary: false };
  if (roll < 0.3) {
    const text = JSON.stringify(validFrame(random, targets));
    return { kind: 'truncated', data: text.slice(0, int(random, text.length)), binary: false };
  }
  if (roll < 0.45) return textFrame('valid', validFrame(random, targets));
  return textFrame('mutated', mutatedFrame(random, targets));
}

function textFrame(kind: string, frame: Record<string, unknown>): HostileFrame {
  return { kind, data: JSON.stringify(frame) ?? 'undefined', binary: false, ...(frame.type === 'typing' ? { mayGoUnanswered: true as const } : {}) };
}

/** Frame types that answer a client frame (one each); the rest are events and pushes. */
export const ANSWER_TYPES = new Set(['pong', 'welcome', 'subscribed', 'unsubscribed', 'ack', 'error']);
