/** Types of child-exit.mjs (plain JS, so the benchmarks run it without a compiler). */
import type { ChildProcess } from 'node:child_process';

/** Resolves once `child` has exited (at once if it already has). */
export function exited(child: ChildProcess): Promise<void>;

/** SIGTERM, then SIGKILL if it is still running after `graceMs` (10 s by default); resolves when it has exited. */
export function stopChild(child: ChildProcess, graceMs?: number): Promise<void>;
