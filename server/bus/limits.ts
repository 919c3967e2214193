/**
 * The limits and timings of the Redis buses (single Redis and Redis Cluster), each with why it has its value.
 * The bus is only a hint (the store is the truth), so every value favours failing fast and recovering soon
 * over waiting.
 */

/** Longest pause between reconnect attempts: short, because clients cannot get remote events meanwhile. */
export const MAX_RECONNECT_DELAY_MS = 1000;
/** A publish that Redis does not answer within this time fails (a hung Redis must not pile up promises). */
export const COMMAND_TIMEOUT_MS = 2000;
/** Images whose last unpublished event is kept for republishing; beyond this the oldest is forgotten. */
export const MAX_UNSENT_TOPICS = 10_000;
/**
 * MOVED/ASK/TRYAGAIN redirections one cluster command may follow. A slot migration needs two (ASK, then MOVED
 * once it is done); more only stretches the time a publish to a dead shard takes to fail.
 */
export const MAX_CLUSTER_REDIRECTIONS = 6;
/** Pause before a cluster command is retried after a failover or CLUSTERDOWN reply: a failover takes about a second. */
export const CLUSTER_RETRY_DELAY_MS = 50;
/**
 * How often the cluster's slot map is read again without a MOVED to prompt it. A failover or a slot migration
 * is noticed within this time even by a node that publishes nothing to the shard meanwhile.
 */
export const SLOTS_REFRESH_INTERVAL_MS = 1000;
/**
 * How often a node tries again to subscribe topics whose shard is unreachable (a master down with no replica
 * to take over): each try is one SSUBSCRIBE per topic, so not faster than reconnects.
 */
export const SHARD_RESUBSCRIBE_INTERVAL_MS = 1000;
