import type { ImageKey } from './model.js';

/**
 * One string naming an image: the key of subscriptions on a node and of channels on the bus.
 * The tenant id cannot hold a space, so the first space separates it unambiguously from the urlId.
 */
export const imageTopic = (key: ImageKey): string => `${key.tenantId} ${key.urlId}`;
