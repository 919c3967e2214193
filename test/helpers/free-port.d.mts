/** Types of free-port.mjs (plain JS, so the benchmarks run it without a compiler). */

/** A port on 127.0.0.1, below the kernel's ephemeral range, that was free a moment ago. */
export function freePort(): Promise<number>;
/** A port that was free a moment ago together with `port + offset` (a Redis Cluster node's cluster-bus port). */
export function freePortPair(offset: number): Promise<number>;
