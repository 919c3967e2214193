/**
 * Usage metering per tenant per UTC day, counted in memory on each node and flushed to the store every
 * few seconds and on shutdown.
 *
 * - `pubSubMessageCount`: events delivered to image subscribers (a `batch` counts its events), and presence frames;
 * - `pubSubBandwidth`: the bytes of those frames as sent;
 * - `conversationCreateCount`: markers created (stored on this node);
 * - peak concurrent connections: this node's peak per tenant and day; the store sums the nodes' peaks.
 *
 * Exactness: a flush takes the counts out of memory into one `UsageFlush` with a fresh id; the store applies
 * it in one transaction, at most once per id. If it fails, the same flush (same id) is retried first on the
 * next attempt while new counts gather separately, so a flush whose commit succeeded but whose answer was lost
 * is not counted twice, and nothing is dropped. `close()` flushes what is left (retrying a few times).
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { ImageEvent, LiveImage } from '../../shared/index.js';
import type { DeliveryMeter } from './meters.js';
import type { WriteObserver } from '../core/service.js';
import type { Store, UsageFlush } from '../store/types.js';
import type { TenantLive, TenantPresence } from './tenant-presence.js';
import { DayClock } from './utc-day.js';
import { LIVE_IMAGES_PER_NODE } from '../store/usage-rows.js';

/** Who is viewing the images this node holds viewers of (the presence hub): reported for the dashboard's live now. */
export interface ImageViewers {
  /** The merged presence count of each image this node holds viewers of. */
  allViewers(): { tenantId: string; urlId: string; viewers: number }[];
}

interface UsageMeterOptions {
  store: Store;
  /** This node's id: peaks and live presence are kept per node. */
  nodeId: string;
  presence: TenantPresence;
  viewers?: ImageViewers;
  /** How often counts are flushed to the store. */
  flushMs: number;
  log: Logger;
  /** Called after each flush attempt (for /metrics). */
  onFlush?(ok: boolean): void;
  now?: () => number;
}

interface ImageCounts { tenantId: string; day: string; urlId: string; messages: number; bytes: number }
/** One tenant's counts for one day, with its images'. */
interface TenantDay {
  tenantId: string;
  day: string;
  messages: number;
  bytes: number;
  conversations: number;
  images: Map<string, ImageCounts>;
}

/** Attempts of the final flush on shutdown before giving up (and logging what is lost). */
const CLOSE_ATTEMPTS = 3;

/**
 * @example
 * const usage = new UsageMeter({ store, nodeId, presence, flushMs: 5000, log });
 * service.observe(usage);                       // conversationCreateCount
 * new MeterSet(metrics, [usage]);               // deliveries and bytes; peaks from presence
 * usage.start();
 * await usage.close();                          // on shutdown, before store.close()
 */
export class UsageMeter implements DeliveryMeter, WriteObserver {
  /**
   * Today's counts by tenant. Keyed by tenant only (not tenant and day): `delivered` runs for every frame
   * sent, and building a key string each time was its largest cost. Past days wait in `earlier`.
   */
  private today = new Map<string, TenantDay>();
  private todayName = '';
  /** Counts of days that ended since the last flush. */
  private earlier: TenantDay[] = [];
  private peaks = new Map<string, { tenantId: string; day: string; peak: number }>();
  /** A flush that failed; it is sent again, unchanged, before anything newer. */
  private unconfirmed: UsageFlush | null = null;
  /** Whether the store holds live presence rows of this node (so an empty report must still be sent once). */
  private presenceReported = false;
  private running: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;
  private readonly clock: DayClock;
  private readonly now: () => number;

  constructor(private readonly options: UsageMeterOptions) {
    this.now = options.now ?? Date.now;
    this.clock = new DayClock(this.now);
    options.presence.listen({ connections: (tenantId, current) => this.notePeak(tenantId, current) });
  }

  start(): void {
    this.timer ??= setInterval(() => { void this.flush(); }, this.options.flushMs);
    this.timer.unref();
  }

  delivered(tenantId: string, events: number, bytes: number, urlIds: readonly string[]): void {
    const counts = this.tenantDay(tenantId);
    counts.messages += events;
    counts.bytes += bytes;
    // Per image: a frame's bytes go to its image; a batch spanning images is split evenly over its events.
    const first = urlIds[0] ?? '';
    if (events === 1 || urlIds.every((urlId) => urlId === first)) {
      addImage(counts, first, events, bytes);
      return;
    }
    const share = Math.floor(bytes / urlIds.length);
    urlIds.forEach((urlId, index) => addImage(counts, urlId, 1, share + (index === 0 ? bytes - share * urlIds.length : 0)));
  }

  written(event: ImageEvent): void {
    if (event.type !== 'new-image-chat') return;
    this.tenantDay(event.tenantId).conversations += 1;
  }

  /**
   * Flushes now (after any flush under way); resolves true once everything counted so far is stored. Never
   * rejects: a failed flush is kept for the next attempt. `final` also withdraws this node's live presence.
   */
  flush(final = false): Promise<boolean> {
    const attempt = this.running.then(() => this.flushOnce(final));
    this.running = attempt.then(() => undefined);
    return attempt;
  }

  /** Stops the timer and flushes what is left, retrying a few times; call before the store closes. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    for (let attempt = 1; attempt <= CLOSE_ATTEMPTS; attempt += 1) {
      if (await this.flush(true)) return;
    }
    this.options.log.error({ unflushed: this.unconfirmed }, 'usage counts could not be flushed on shutdown');
  }

  private async flushOnce(final = false): Promise<boolean> {
    try {
      if (this.unconfirmed) {
        await this.options.store.addUsage(this.unconfirmed);
        this.unconfirmed = null;
      }
      const next = this.take(final);
      if (!next) return true;
      this.unconfirmed = next;
      await this.options.store.addUsage(next);
      this.unconfirmed = null;
      this.options.onFlush?.(true);
      return true;
    } catch (error) {
      this.options.log.warn({ err: error }, 'usage flush failed; it will be retried');
      this.options.onFlush?.(false);
      return false;
    }
  }

  /** Moves the counts gathered so far into a flush, or returns null when there is nothing to tell. */
  private take(final: boolean): UsageFlush | null {
    const day = this.clock.today();
    const live = final ? new Map<string, TenantLive>() : this.options.presence.tenants();
    // A tenant live across midnight has at least its current connections as the new day's peak.
    for (const [tenantId, numbers] of live) this.notePeak(tenantId, numbers.connections, day);
    const liveImages = final ? new Map<string, LiveImage[]>() : this.liveImagesByTenant();
    const presence = [...live].map(([tenantId, numbers]) => ({
      tenantId, connections: numbers.connections, images: numbers.images, liveImages: liveImages.get(tenantId) ?? [],
    }));
    const days = [...this.earlier, ...this.today.values()];
    if (days.length === 0 && this.peaks.size === 0 && presence.length === 0 && !this.presenceReported) return null;
    const flush: UsageFlush = {
      id: randomUUID(),
      nodeId: this.options.nodeId,
      at: this.now(),
      tenants: days.map(({ tenantId, day, messages, bytes, conversations }) => ({ tenantId, day, messages, bytes, conversations })),
      images: days.flatMap((d) => [...d.images.values()]),
      peaks: [...this.peaks.values()],
      presence,
      liveSince: this.now() - 3 * this.options.flushMs,
      liveDay: day,
    };
    this.today = new Map();
    this.earlier = [];
    this.peaks = new Map();
    this.presenceReported = presence.length > 0;
    return flush;
  }

  /** Per tenant, its images' presence counts on this node, most viewers first, at most LIVE_IMAGES_PER_NODE. */
  private liveImagesByTenant(): Map<string, LiveImage[]> {
    const byTenant = new Map<string, LiveImage[]>();
    for (const { tenantId, urlId, viewers } of this.options.viewers?.allViewers() ?? []) {
      let images = byTenant.get(tenantId);
      if (!images) byTenant.set(tenantId, (images = []));
      images.push({ urlId, viewers });
    }
    for (const [tenantId, images] of byTenant) byTenant.set(tenantId, images.sort((a, b) => b.viewers - a.viewers).slice(0, LIVE_IMAGES_PER_NODE));
    return byTenant;
  }

  /** The tenant's counts for today; at a new day, the previous day's counts move to `earlier`. */
  private tenantDay(tenantId: string): TenantDay {
    const day = this.clock.today();
    if (day !== this.todayName) {
      this.earlier.push(...this.today.values());
      this.today = new Map();
      this.todayName = day;
    }
    let counts = this.today.get(tenantId);
    if (!counts) this.today.set(tenantId, (counts = { tenantId, day, messages: 0, bytes: 0, conversations: 0, images: new Map() }));
    return counts;
  }

  private notePeak(tenantId: string, current: number, day = this.clock.today()): void {
    if (current <= 0) return;
    const key = `${tenantId} ${day}`;
    const peak = this.peaks.get(key);
    if (!peak) this.peaks.set(key, { tenantId, day, peak: current });
    else if (current > peak.peak) peak.peak = current;
  }
}

function addImage(counts: TenantDay, urlId: string, messages: number, bytes: number): void {
  const image = counts.images.get(urlId);
  if (image) {
    image.messages += messages;
    image.bytes += bytes;
  } else {
    counts.images.set(urlId, { tenantId: counts.tenantId, day: counts.day, urlId, messages, bytes });
  }
}
