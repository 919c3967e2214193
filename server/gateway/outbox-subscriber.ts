/**
 * A subscription as the topic hub and the presence hub see it: events and presence frames go to the connection's
 * outbox (methods, not closures per subscription).
 */
import type { ImageKey } from '../../shared/index.js';
import { HOLDING, type Subscriber } from '../fanout/topic-hub.js';
import type { PresenceConnection } from '../presence/image-presence.js';
import type { Outbox } from './outbox.js';

export class OutboxSubscriber implements Subscriber, PresenceConnection {
  floor = HOLDING;
  held: Subscriber['held'] = null;

  constructor(private readonly outbox: Outbox, readonly key: ImageKey) {}

  deliver(frame: Buffer): void {
    this.outbox.queueEvent(frame, this.key.tenantId, this.key.urlId);
  }

  resync(): void {
    this.outbox.send({ type: 'resync', tenantId: this.key.tenantId, urlId: this.key.urlId });
  }

  deliverPresence(frame: Buffer): void {
    this.outbox.queuePresence(frame, this.key.tenantId, this.key.urlId);
  }
}

