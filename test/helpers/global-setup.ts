/**
 * Runs once before the vitest suites: builds dist/ when a source file is newer than the built server, so
 * suites that start nodes as separate processes (`node dist/server/main.js`) run the code under test.
 * Services tests need (Redis, PostgreSQL) are started per suite by the helpers in this folder.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const mtime = entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs;
    if (mtime > newest) newest = mtime;
  }
  return newest;
}

export default function setup(): void {
  process.env.LOG_LEVEL ??= 'silent';
  // `npm test` builds once before vitest and sets this.
  if (process.env.IMAGE_CHAT_SKIP_BUILD === '1') return;
  const built = (() => {
    try {
      return statSync('dist/server/main.js').mtimeMs;
    } catch {
      return 0;
    }
  })();
  const sources = Math.max(newestMtime('server'), newestMtime('shared'), newestMtime('widget'));
  if (sources > built) execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
}
