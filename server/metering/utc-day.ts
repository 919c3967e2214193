/** UTC days as `YYYY-MM-DD` strings: the unit usage is counted and reported in. */

const DAY_MS = 24 * 60 * 60 * 1000;
const DAY_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

export const utcDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** Milliseconds at 00:00 UTC of a `YYYY-MM-DD` day, or null if it is not a real date. */
export function parseUtcDay(day: string): number | null {
  if (!DAY_PATTERN.test(day)) return null;
  const ms = Date.parse(`${day}T00:00:00Z`);
  return Number.isNaN(ms) || utcDay(ms) !== day ? null : ms;
}

/** The day `days` after (or before, when negative) `day`. */
export const addDays = (day: string, days: number): string => utcDay((parseUtcDay(day) ?? Number.NaN) + days * DAY_MS);

/** How many days from `from` to `to`, inclusive (0 when `to` is before `from`, or either is not a day). */
export function dayCount(from: string, to: string): number {
  const start = parseUtcDay(from);
  const end = parseUtcDay(to);
  if (start === null || end === null || end < start) return 0;
  return Math.round((end - start) / DAY_MS) + 1;
}

/**
 * Every day from `from` to `to`, inclusive. Counted from the milliseconds, not by comparing names, so it
 * ends even where names stop sorting as dates (years past 9999). Callers bound the range first (`dayCount`).
 */
export function daysBetween(from: string, to: string): string[] {
  const start = parseUtcDay(from);
  const count = dayCount(from, to);
  if (start === null) return [];
  return Array.from({ length: count }, (_, index) => utcDay(start + index * DAY_MS));
}

/**
 * Today's name, recomputed only when the day changes: `delivered` runs for every frame sent, and
 * formatting a date each time would be its largest cost.
 */
export class DayClock {
  private day = '';
  private endsAt = 0;

  constructor(private readonly now: () => number = Date.now) {}

  today(): string {
    const now = this.now();
    if (now >= this.endsAt) {
      this.day = utcDay(now);
      this.endsAt = (parseUtcDay(this.day) ?? now) + DAY_MS;
    }
    return this.day;
  }
}
