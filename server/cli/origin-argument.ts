/** `--origin` values: `https://shop.example:8443` style origins only, what a browser sends in the Origin header. */
import { UsageError } from './usage-error.js';

export function parseOrigin(value: string): string {
  let origin: string;
  try {
    origin = new URL(value).origin;
  } catch {
    throw new UsageError(`--origin "${value}" is not a URL`);
  }
  if (origin === 'null' || origin !== value.replace(/\/$/, '')) throw new UsageError(`--origin must be a bare origin like https://shop.example, got "${value}"`);
  return origin;
}
