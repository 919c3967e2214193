/**
 * Admission and the minute budgets with a clock the test drives: the order of the checks, the refill, and the
 * sweep that forgets idle addresses and budgets so many one-off strangers leave no memory behind.
 */
import { expect, test } from 'vitest';
import { LIMITS, type Limits } from '../../shared/index.js';
import { Admission } from '../../server/gateway/admission.js';
import { GatewayBudgets } from '../../server/gateway/budgets.js';
import { KeyedMinuteBudgets, MinuteBudget } from '../../server/gateway/minute-budget.js';

const limits = (overrides: Partial<Limits>): Limits => ({ ...LIMITS, ...overrides });

test('MinuteBudget: refills per minute up to its capacity; a full one takes any single charge; an overdraft is paid back', () => {
  const budget = new MinuteBudget(60, 10, 0);
  for (let i = 0; i < 10; i += 1) {
    expect(budget.wait(1, 0)).toBe(0);
    budget.take(1, 0);
  }
  expect(budget.wait(1, 0)).toBe(1000);
  expect(budget.wait(1, 1000)).toBe(0);
  const bytes = new MinuteBudget(600, 600, 0);
  expect(bytes.wait(5000, 0)).toBe(0); // larger than the whole budget, but the budget is full
  bytes.take(5000, 0);
  expect(bytes.untilPositive(0)).toBe(Math.ceil(4401 / 0.01));
  expect(bytes.full(60_000 * 9)).toBe(true);
});

test('Admission: the node cap first, then the address cap, then the address rate', () => {
  const admission = new Admission(limits({ MAX_CONNECTIONS: 3, MAX_CONNECTIONS_PER_IP: 2, CONNECTION_BURST_PER_IP: 3, CONNECTION_RATE_PER_IP: 60 }));
  try {
    expect(admission.admit('a', 0)).toEqual({ ok: true, key: 'a' });
    expect(admission.admit('a', 0)).toEqual({ ok: true, key: 'a' });
    expect(admission.admit('a', 0)).toMatchObject({ ok: false, reason: 'address-connections', closeCode: 1008 });
    admission.release('a');
    expect(admission.admit('a', 0)).toEqual({ ok: true, key: 'a' }); // the third token of the burst
    admission.release('a');
    expect(admission.admit('a', 0)).toMatchObject({ ok: false, reason: 'address-rate', closeCode: 1008 });
    expect(admission.admit('a', 1000)).toEqual({ ok: true, key: 'a' });
    expect(admission.admit('b', 1000)).toEqual({ ok: true, key: 'b' });
    expect(admission.open).toBe(3);
    expect(admission.admit('c', 1000)).toMatchObject({ ok: false, reason: 'node-full', closeCode: 1013, message: 'server full, try again later' });
    // Releasing more than was admitted cannot push the counts below zero.
    for (let i = 0; i < 5; i += 1) admission.release('c');
    expect(admission.open).toBe(3);
  } finally {
    admission.close();
  }
});

test('Admission forgets addresses once nothing is open and their rate refilled, however many there were', () => {
  const admission = new Admission(limits({ MAX_CONNECTIONS: 1_000_000, CONNECTION_BURST_PER_IP: 40, CONNECTION_RATE_PER_IP: 120 }));
  try {
    for (let i = 0; i < 20_000; i += 1) admission.admit(`10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`, 0);
    admission.admit('198.51.100.1', 0);
    for (let i = 0; i < 20_000; i += 1) admission.release(`10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`);
    expect(admission.trackedAddresses).toBe(20_001);
    admission.sweep(100); // not refilled yet: a fresh burst would be a free pass
    expect(admission.trackedAddresses).toBe(20_001);
    admission.sweep(60_000);
    // Only the address with a socket still open is kept.
    expect(admission.trackedAddresses).toBe(1);
    expect(admission.open).toBe(1);
  } finally {
    admission.close();
  }
});

test('budgets across connections are forgotten once refilled; checking a budget makes no state', () => {
  const keyed = new KeyedMinuteBudgets(10);
  for (let i = 0; i < 5000; i += 1) expect(keyed.wait(`k${i}`, 1, 0)).toBe(0);
  expect(keyed.size).toBe(0);
  for (let i = 0; i < 5000; i += 1) keyed.take(`k${i}`, 1, 0);
  expect(keyed.size).toBe(5000);
  keyed.sweep(5999);
  expect(keyed.size).toBe(5000);
  keyed.sweep(6000);
  expect(keyed.size).toBe(0);

  const budgets = new GatewayBudgets(LIMITS);
  try {
    const write = { type: 'add-comment', broadcastId: 'b', tenantId: 't', urlId: 'u', chatId: 'c', text: 'héllo' } as const;
    for (let i = 0; i < 1000; i += 1) expect(budgets.chargeWrite({ address: `10.0.${i >> 8}.${i & 255}` }, write, `user-${i}`, 0)).toBeNull();
    expect(budgets.trackedKeys).toBe(4000); // person writes, person bytes, address writes, address bytes
    budgets.sweep(60_000);
    expect(budgets.trackedKeys).toBe(0);
  } finally {
    budgets.close();
  }
});
