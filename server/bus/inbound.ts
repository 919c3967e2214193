/**
 * What both Redis buses do with a message Redis brings: keep it only when it is on their prefix, not their own
 * echo and of a topic still watched here, and hand it to the node's handler without letting a handler failure
 * reach ioredis's parser or a bare microtask (either would crash the process).
 */
import type { Logger } from 'pino';
import type { BusHandler } from './types.js';
import { untagged } from './node-tag.js';

/**
 * The topic and payload of a message this node (`nodeId`, its channels under `prefix`, `watched` its topics with
 * local subscribers) should deliver, or null.
 */
export function inboundMessage(
  prefix: string, nodeId: string, watched: { has(topic: string): boolean }, channel: string, message: string,
): { topic: string; payload: string } | null {
  if (!channel.startsWith(prefix)) return null;
  const topic = channel.slice(prefix.length);
  const received = untagged(message);
  if (!received) return null;
  if (received.nodeId === nodeId) return null; // own echo: already delivered locally
  if (!watched.has(topic)) return null; // arrived after the last local subscriber left
  return { topic, payload: received.payload };
}

/** Hands a message to the handler; a failure is logged, never thrown. */
export function deliverSafely(handler: BusHandler, log: Logger, topic: string, payload: string): void {
  try {
    handler.handleBusMessage(topic, payload);
  } catch (error) {
    log.error({ err: error, topic }, 'bus handler failed');
  }
}
