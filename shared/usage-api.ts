/**
 * The tenant REST API's answers (`/api/v1/tenants/:id/…`, docs/dashboard.md): produced by the server,
 * read by the dashboard. Definitions of the counters are in docs/dashboard.md.
 */

/** One tenant's usage on one UTC day (`day` is YYYY-MM-DD). */
export interface UsageDay {
  day: string;
  pubSubMessageCount: number;
  pubSubBandwidth: number;
  conversationCreateCount: number;
  /**
   * Peak of concurrent connections that day: the larger of each node's exact peak and the cluster-wide sum
   * sampled at every flush. Never over-counts (restarts included); exact with one node.
   */
  peakConnections: number;
}

export type UsageCounter = Exclude<keyof UsageDay, 'day'>;

/** One image's delivered traffic over a range of days. */
export interface ImageUsage {
  urlId: string;
  pubSubMessageCount: number;
  pubSubBandwidth: number;
}

/** `GET …/usage?from&to`: every day of the range (zeros where nothing happened) and the totals. */
export interface UsageReport { tenantId: string; from: string; to: string; days: UsageDay[]; totals: Omit<UsageDay, 'day'> }

/** One image being viewed now: `viewers` is its presence count (distinct people over every node). */
export interface LiveImage { urlId: string; viewers: number }

/**
 * `GET …/live`: connections and watched images now, summed over the nodes that reported recently, and the images
 * with the most viewers now (from the same merged presence the widgets show, as of the nodes' last usage flush).
 */
export interface LiveReport { tenantId: string; connections: number; watchedImages: number; nodes: number; images: LiveImage[]; at: string }

/** `GET …/top-images?from&to&limit`: images by delivered traffic. */
export interface TopImagesReport { tenantId: string; from: string; to: string; images: ImageUsage[] }
