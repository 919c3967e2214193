/**
 * A connection's read budget in two integers (server/gateway/connection-read-budget.ts): overdrawn by one answer,
 * refused until refilled above zero, refilled at its rate per minute, and full again with nothing owed.
 */
import { expect, test } from 'vitest';
import { chargeReadBudget, untilReadBudgetPositive } from '../../server/gateway/connection-read-budget.js';

const PER_MINUTE = 60_000; // a byte a millisecond
const t0 = Date.now();

test('a fresh budget allows a read; one answer may overdraw it, and the next waits until it is above zero', () => {
  const holder = { readOwed: 0, readOwedAt: 0 };
  expect(untilReadBudgetPositive(holder, PER_MINUTE, t0)).toBe(0);
  chargeReadBudget(holder, PER_MINUTE, 50_000, t0);
  expect(untilReadBudgetPositive(holder, PER_MINUTE, t0)).toBe(0); // 10,000 bytes left
  chargeReadBudget(holder, PER_MINUTE, 30_000, t0); // overdrawn by 20,000
  expect(holder.readOwed).toBe(80_000);
  expect(untilReadBudgetPositive(holder, PER_MINUTE, t0)).toBe(20_001);
  expect(untilReadBudgetPositive(holder, PER_MINUTE, t0 + 20_000)).toBe(1);
  expect(untilReadBudgetPositive(holder, PER_MINUTE, t0 + 20_001)).toBe(0);
});

test('it refills at its rate, never beyond full, and a charge counts from what is owed now', () => {
  const holder = { readOwed: 0, readOwedAt: 0 };
  chargeReadBudget(holder, PER_MINUTE, 70_000, t0);
  chargeReadBudget(holder, PER_MINUTE, 1_000, t0 + 30_000); // 40,000 refilled since
  expect(holder.readOwed).toBe(41_000);
  chargeReadBudget(holder, PER_MINUTE, 5, t0 + 10 * 60_000); // long since full
  expect(holder.readOwed).toBe(5);
  expect(untilReadBudgetPositive(holder, PER_MINUTE, t0 + 10 * 60_000)).toBe(0);
});

test('a slow rate refills too: 600 bytes a minute owe 1,200 for two minutes', () => {
  const holder = { readOwed: 0, readOwedAt: 0 };
  chargeReadBudget(holder, 600, 1_800, t0);
  expect(untilReadBudgetPositive(holder, 600, t0)).toBe(Math.ceil(((1_800 - 600 + 1) * 60_000) / 600));
  expect(untilReadBudgetPositive(holder, 600, t0 + 120_000)).toBe(100); // 1 byte still to refill at 100 ms a byte
  expect(untilReadBudgetPositive(holder, 600, t0 + 120_100)).toBe(0);
});
