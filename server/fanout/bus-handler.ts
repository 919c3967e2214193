/**
 * Where everything the bus brings to this node goes: the one `BusHandler`, registered in `server/app.ts`.
 * An image event goes to the topic hub (which orders it by seq and hands it to the image's subscribers), a
 * presence message on an image's topic to the presence hub, a tenant feed frame to the tenant feed, a tenant
 * change to the tenant cache; when the bus comes back after an outage every subscriber resyncs and every node
 * republishes its presence.
 */
import type { Logger } from 'pino';
import type { BusHandler } from '../bus/types.js';
import type { TrafficMeter } from '../metering/meters.js';
import type { TopicHub } from './topic-hub.js';
import { tenantOfFeedTopic, type TenantFeed } from './tenant-feed.js';
import { TENANT_CHANGES_TOPIC, type TenantChanges } from './tenant-changes.js';
import { isPresenceMessage } from '../presence/presence-bus-message.js';
import type { PresenceHub } from '../presence/presence-hub.js';

/**
 * The event's own top-level seq: events are serialized by JSON.stringify, so inside user text a quote is
 * always escaped and cannot form `"seq":`; no nested object of an event has a seq key.
 */
const SEQ_PATTERN = /"seq":(\d+)/;

/** The seq of a serialized image event, read without parsing it; null if it has none. */
function seqOfEventPayload(payload: string): number | null {
  const match = SEQ_PATTERN.exec(payload);
  return match ? Number(match[1]) : null;
}

/**
 * @example
 * bus.setHandler(new FanoutBusHandler({ hub, feed, tenantChanges, meter, log }));
 */
export class FanoutBusHandler implements BusHandler {
  constructor(private readonly fanout: {
    hub: TopicHub;
    feed: TenantFeed;
    tenantChanges: TenantChanges;
    presence?: PresenceHub;
    meter: Pick<TrafficMeter, 'busReceived'>;
    log: Logger;
  }) {}

  handleBusMessage(topic: string, payload: string): void {
    const { hub, feed, tenantChanges, meter, log } = this.fanout;
    if (topic === TENANT_CHANGES_TOPIC) return tenantChanges.messageArrived(payload);
    const feedTenant = tenantOfFeedTopic(topic);
    if (feedTenant !== null) return feed.frameArrived(feedTenant, payload);
    if (isPresenceMessage(payload)) return this.fanout.presence?.messageArrived(topic, payload);
    // Only the seq is needed to order the event; the payload is passed on to sockets untouched.
    const seq = seqOfEventPayload(payload);
    if (seq === null) return void log.warn({ topic }, 'bus message without seq ignored');
    meter.busReceived();
    // Encoded once here; every local subscriber is sent these same bytes.
    hub.eventArrived(topic, seq, Buffer.from(payload));
  }

  handleBusDown(): void {
    this.fanout.log.warn('bus down: local fan-out continues; remote events will be recovered');
  }

  handleBusUp(): void {
    this.fanout.log.info('bus up again: telling subscribers to resync');
    this.fanout.hub.resyncAll();
    this.fanout.presence?.busUp();
  }
}
