/** A connection's subscriptions by topic: one held inline, more in a Map, behaving as one map throughout. */
import { expect, test } from 'vitest';
import { TopicSlots } from '../../server/gateway/topic-slots.js';

test('behaves like a Map through adds, replaces and deletes of the inline and the other entries', () => {
  const slots = new TopicSlots<number>();
  const model = new Map<string, number>();
  const same = () => {
    expect(slots.size).toBe(model.size);
    expect(new Map(slots.entries())).toEqual(model);
    expect([...slots.values()].sort()).toEqual([...model.values()].sort());
    for (const topic of ['a', 'b', 'c', 'd']) {
      expect(slots.has(topic)).toBe(model.has(topic));
      expect(slots.get(topic)).toBe(model.get(topic));
    }
  };
  const steps: [string, string, number?][] = [
    ['set', 'a', 1], ['set', 'a', 2], ['set', 'b', 3], ['set', 'c', 4], ['delete', 'a'], ['delete', 'a'],
    ['set', 'a', 5], ['delete', 'b'], ['delete', 'c'], ['delete', 'd'], ['delete', 'a'], ['set', 'd', 6],
  ];
  for (const [op, topic, value] of steps) {
    if (op === 'set') {
      slots.set(topic, value!);
      model.set(topic, value!);
    } else expect(slots.delete(topic)).toBe(model.delete(topic));
    same();
  }
  slots.clear();
  model.clear();
  same();
});
