/**
 * Runs once before the vitest suites. Services tests need (Redis, PostgreSQL) are started per suite by
 * the helpers in this folder, on free ports, so each suite can also kill and restart its own.
 */
export default function setup(): void {
  process.env.LOG_LEVEL ??= 'silent';
}
