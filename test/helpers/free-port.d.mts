/** Types of free-port.mjs (plain JS, so the benchmarks run it without a compiler). */

/** A port on 127.0.0.1, below the kernel's ephemeral range, that was free a moment ago. */
export function freePort(): Promise<number>;
