/**
 * What nodes tell each other about presence, on the image's own bus topic (so presence shards with the image's
 * events). A presence message starts with `{"presence":`, which no image event does (events start with
 * `{"type":`), so the bus handler tells them apart without parsing an event.
 *
 * - `state`: the sending node's whole local presence of the image (its distinct people with their join time,
 *   and its count of connections without any identity), on every change and as a heartbeat. Past
 *   PRESENCE_STATE_PEOPLE_MAX people, the rest go as a number (`morePeople`), so a crowd of guests with sessions
 *   costs a bounded message.
 * - `ask`: a node that has just started holding viewers of the image asks the others to publish their state now.
 * - `typing`: someone on the sending node is writing in a thread (or stopped); `from` is their presence key, so
 *   every node can keep the entry away from that person's own connections.
 */
import type { PresenceStoppedTyping, PresenceTyping } from '../../shared/index.js';

/** How every presence bus message begins: what the bus handler checks. */
export const PRESENCE_MESSAGE_PREFIX = '{"presence":';

/** One person viewing an image on a node; `since` is when they first joined it there (join order across nodes). */
export interface PresencePersonState { id: string; name?: string; avatar?: string; since: number }

export interface PresenceStateMessage {
  presence: 'state';
  node: string;
  people: PresencePersonState[];
  /** Connections on the node with no identity at all: each counts as one person. */
  anonymous: number;
  /** Distinct people on the node past PRESENCE_STATE_PEOPLE_MAX, not in `people`: counted, never merged by id. */
  morePeople?: number;
}
export interface PresenceAskMessage { presence: 'ask'; node: string }
export interface PresenceTypingBusMessage {
  presence: 'typing';
  node: string;
  /** The typer's presence key (their user id, or a connection key for one without identity): never sent to clients. */
  from: string;
  typing?: PresenceTyping;
  stoppedTyping?: PresenceStoppedTyping;
}
export type PresenceBusMessage = PresenceStateMessage | PresenceAskMessage | PresenceTypingBusMessage;

export const isPresenceMessage = (payload: string): boolean => payload.startsWith(PRESENCE_MESSAGE_PREFIX);

/** Serializes a message; `presence` first, so `isPresenceMessage` recognises it. */
export function encodePresenceMessage(message: PresenceBusMessage): string {
  return JSON.stringify(message);
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isString = (value: unknown): value is string => typeof value === 'string' && value.length > 0;
const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
const optionalString = (value: unknown): boolean => value === undefined || typeof value === 'string';

function personState(value: unknown): PresencePersonState | null {
  if (!isObject(value) || !isString(value.id) || typeof value.since !== 'number' || !optionalString(value.name) || !optionalString(value.avatar)) return null;
  return {
    id: value.id, since: value.since,
    ...(typeof value.name === 'string' ? { name: value.name } : {}), ...(typeof value.avatar === 'string' ? { avatar: value.avatar } : {}),
  };
}

function typingEntry(value: unknown): PresenceTyping | null {
  if (!isObject(value) || !isString(value.id) || !isString(value.chatId) || !optionalString(value.name)) return null;
  return { id: value.id, chatId: value.chatId, ...(typeof value.name === 'string' ? { name: value.name } : {}) };
}

/**
 * Parses a presence message from another node. Nodes are trusted, but a message from a different release (or a
 * corrupted one) is dropped rather than let near a client: null for anything not of the expected shape.
 */
export function decodePresenceMessage(payload: string): PresenceBusMessage | null {
  let value: unknown;
  try {
    value = JSON.parse(payload);
  } catch {
    return null;
  }
  if (!isObject(value) || !isString(value.node)) return null;
  switch (value.presence) {
    case 'ask':
      return { presence: 'ask', node: value.node };
    case 'state': {
      if (!Array.isArray(value.people) || !isCount(value.anonymous)) return null;
      if (value.morePeople !== undefined && !isCount(value.morePeople)) return null;
      const people = value.people.map(personState);
      if (people.some((person) => person === null)) return null;
      return {
        presence: 'state', node: value.node, people: people as PresencePersonState[], anonymous: value.anonymous,
        ...(value.morePeople !== undefined && value.morePeople > 0 ? { morePeople: value.morePeople } : {}),
      };
    }
    case 'typing': {
      if (!isString(value.from)) return null;
      const typing = value.typing === undefined ? undefined : typingEntry(value.typing);
      const stopped = value.stoppedTyping === undefined ? undefined : typingEntry(value.stoppedTyping);
      if (typing === null || stopped === null || (typing === undefined) === (stopped === undefined)) return null;
      return {
        presence: 'typing', node: value.node, from: value.from,
        ...(typing ? { typing } : {}), ...(stopped ? { stoppedTyping: { id: stopped.id, chatId: stopped.chatId } } : {}),
      };
    }
    default:
      return null;
  }
}
