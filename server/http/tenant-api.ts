/**
 * The tenant REST API (docs/dashboard.md), each call authorized by the tenant's API secret:
 * - `GET /api/v1/tenants/:tenantId/usage?from=YYYY-MM-DD&to=YYYY-MM-DD`: counters per UTC day, every day
 *   of the range (zeros included), and totals;
 * - `GET /api/v1/tenants/:tenantId/live`: live connections and watched images, over all nodes;
 * - `GET /api/v1/tenants/:tenantId/top-images?from&to&limit`: images by delivered events.
 */
import type { LiveReport, TopImagesReport, UsageDay, UsageReport } from '../../shared/index.js';
import type { Store } from '../store/types.js';
import { addDays, dayCount, daysBetween, parseUtcDay, utcDay } from '../metering/utc-day.js';
import { sendJson } from './router.js';
import type { ApiEndpoint } from './api-endpoints.js';
import { HttpError } from './http-error.js';

/** Longest range one usage call may ask for: a year and a day (leap years). */
const MAX_USAGE_RANGE_DAYS = 366;
/** Days shown when `from` is not given: the dashboard's 30-day chart. */
const DEFAULT_RANGE_DAYS = 30;
const DEFAULT_TOP_IMAGES = 10;
const MAX_TOP_IMAGES = 100;

interface TenantApiOptions {
  store: Store;
  /** Presence reports older than this are left out of live numbers (a node that stopped reporting is gone). */
  liveFreshMs: number;
  now?: () => number;
}

type Range = { ok: true; from: string; to: string } | { ok: false; message: string };

/** `from`/`to` from the query: real dates, from ≤ to, at most MAX_USAGE_RANGE_DAYS days. */
function parseRange(url: URL, today: string): Range {
  const to = url.searchParams.get('to') ?? today;
  if (parseUtcDay(to) === null) return { ok: false, message: '"to" must be a date as YYYY-MM-DD' };
  const from = url.searchParams.get('from') ?? addDays(to, 1 - DEFAULT_RANGE_DAYS);
  if (parseUtcDay(from) === null) return { ok: false, message: '"from" must be a date as YYYY-MM-DD' };
  if (from > to) return { ok: false, message: '"from" must not be after "to"' };
  // Counted, never listed: a range of millions of days must be refused before anything is built from it.
  if (dayCount(from, to) > MAX_USAGE_RANGE_DAYS) return { ok: false, message: `a range holds at most ${MAX_USAGE_RANGE_DAYS} days` };
  return { ok: true, from, to };
}

const emptyDay = (day: string): UsageDay => ({ day, pubSubMessageCount: 0, pubSubBandwidth: 0, conversationCreateCount: 0, peakConnections: 0 });

export function tenantApiEndpoints(options: TenantApiOptions): ApiEndpoint[] {
  const { store } = options;
  const now = options.now ?? Date.now;
  return [
    {
      method: 'GET',
      path: '/api/v1/tenants/{tenantId}/live',
      auth: 'tenant',
      handler: async ({ response, tenantId }) => {
        const live = await store.readLive(tenantId, now() - options.liveFreshMs);
        sendJson(response, 200, { tenantId, ...live, at: new Date(now()).toISOString() } satisfies LiveReport);
      },
    },
    {
      method: 'GET',
      path: '/api/v1/tenants/{tenantId}/top-images',
      auth: 'tenant',
      handler: async ({ response, url, tenantId }) => {
        const { from, to } = rangeOf(url, now());
        const raw = url.searchParams.get('limit');
        const limit = raw === null ? DEFAULT_TOP_IMAGES : Number(raw);
        if (!Number.isInteger(limit) || limit < 1 || limit > MAX_TOP_IMAGES) throw new HttpError('invalid-field', `"limit" must be a whole number from 1 to ${MAX_TOP_IMAGES}`);
        sendJson(response, 200, { tenantId, from, to, images: await store.readTopImages(tenantId, from, to, limit) } satisfies TopImagesReport);
      },
    },
    {
      method: 'GET',
      path: '/api/v1/tenants/{tenantId}/usage',
      auth: 'tenant',
      handler: async ({ response, url, tenantId }) => {
        const { from, to } = rangeOf(url, now());
        const stored = new Map((await store.readUsage(tenantId, from, to)).map((day) => [day.day, day]));
        const days = daysBetween(from, to).map((day) => stored.get(day) ?? emptyDay(day));
        const totals = days.reduce((sum, day) => ({
          pubSubMessageCount: sum.pubSubMessageCount + day.pubSubMessageCount,
          pubSubBandwidth: sum.pubSubBandwidth + day.pubSubBandwidth,
          conversationCreateCount: sum.conversationCreateCount + day.conversationCreateCount,
          peakConnections: Math.max(sum.peakConnections, day.peakConnections),
        }), { pubSubMessageCount: 0, pubSubBandwidth: 0, conversationCreateCount: 0, peakConnections: 0 });
        sendJson(response, 200, { tenantId, from, to, days, totals } satisfies UsageReport);
      },
    },
  ];
}

/** The range of the query, or a 400. */
function rangeOf(url: URL, now: number): { from: string; to: string } {
  const range = parseRange(url, utcDay(now));
  if (!range.ok) throw new HttpError('invalid-field', range.message);
  return range;
}
