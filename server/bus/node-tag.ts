/**
 * What a Redis bus sends: the publishing node's id, a separator, then the payload. A node knows its own echo by
 * the id and drops it, because it delivered its own events locally already (even while Redis is down).
 */

/** Separates the node id from the payload; node ids never contain it. */
export const TAG_SEPARATOR = '|';

/** The message to send for `payload` published by `nodeId`. */
export const tagged = (nodeId: string, payload: string): string => nodeId + TAG_SEPARATOR + payload;

/** The publishing node and the payload of a bus message, or null for a message no image-chat node sent. */
export function untagged(message: string): { nodeId: string; payload: string } | null {
  const cut = message.indexOf(TAG_SEPARATOR);
  if (cut < 0) return null;
  return { nodeId: message.slice(0, cut), payload: message.slice(cut + 1) };
}
