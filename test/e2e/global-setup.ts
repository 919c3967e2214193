/**
 * Before the end-to-end tests: Debian's Chromium must be there (one clear failure instead of one per file), and
 * the build is made once (skipped when `npm test` already built).
 */
import { existsSync } from 'node:fs';
import { ensureBuilt } from '../helpers/server-process.mjs';
import { CHROMIUM_PATH } from './browsers.js';

export default function setup(): void {
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`Chromium not found at ${CHROMIUM_PATH}: apt-get install -y chromium`);
  ensureBuilt();
}
