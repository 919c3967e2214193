/** Builds once before the end-to-end tests (skipped when `npm test` already built). */
import { ensureBuilt } from '../helpers/server-process.mjs';

export default function setup(): void {
  ensureBuilt();
}
