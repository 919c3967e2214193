/**
 * The bus contract: what the gateway relies on from any bus, seen from one node. `busContract` registers
 * the suite for one implementation; bus.test.ts runs it against the in-process bus and the Redis bus.
 */
import { describe, expect, test } from 'vitest';
import type { Bus, BusHandler } from '../../server/bus/types.js';

export interface BusFactory {
  /** A connected bus, ready to use. */
  create(): Promise<Bus>;
}

type Received = { topic: string; payload: string }[];

/** A bus handler that passes messages to `onMessage` and records the bus's ups and downs in `status`. */
export function handlerOf(onMessage: (topic: string, payload: string) => void, status: string[] = []): BusHandler {
  return {
    handleBusMessage: onMessage,
    handleBusDown: () => { status.push('down'); },
    handleBusUp: () => { status.push('up'); },
  };
}

function listen(bus: Bus): Received {
  const received: Received = [];
  bus.setHandler(handlerOf((topic, payload) => received.push({ topic, payload })));
  return received;
}

/** Waits until `condition` holds, polling; fails with `what` after a generous time. */
export async function eventually(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Lets anything already in flight arrive (used before asserting that nothing more came). */
export const settle = (ms = 200): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function busContract(name: string, factory: BusFactory): void {
  describe(`bus contract: ${name}`, () => {
    test('a subscribed topic gets each published payload once, byte for byte, in publish order', async () => {
      const bus = await factory.create();
      const received = listen(bus);
      await bus.subscribe('demo img-1');
      const payloads = ['{"seq":1}', '{"seq":2,"text":"pipes | and \\"quotes\\" ✓ 🎉"}', '{"seq":3}'];
      for (const payload of payloads) await bus.publish('demo img-1', payload);
      await eventually(() => received.length >= 3, 'three messages');
      await settle();
      expect(received).toEqual(payloads.map((payload) => ({ topic: 'demo img-1', payload })));
      expect(bus.healthy).toBe(true);
      await bus.close();
    });

    test('publish never calls the listener before it returns', async () => {
      const bus = await factory.create();
      const received = listen(bus);
      await bus.subscribe('demo img-2');
      const pending = bus.publish('demo img-2', '{"seq":1}');
      expect(received).toEqual([]);
      await pending;
      await eventually(() => received.length === 1, 'the message');
      await bus.close();
    });

    test('nothing arrives for topics not subscribed, or after unsubscribing', async () => {
      const bus = await factory.create();
      const received = listen(bus);
      await bus.subscribe('demo a');
      await bus.publish('demo b', '{"seq":1}');
      await bus.publish('demo a', '{"seq":1}');
      await eventually(() => received.length === 1, 'the subscribed message');
      await bus.unsubscribe('demo a');
      await bus.publish('demo a', '{"seq":2}');
      await settle();
      expect(received).toEqual([{ topic: 'demo a', payload: '{"seq":1}' }]);
      await bus.close();
    });

    test('any payload on any topic: not only events (presence frames, feed frames), hash-tag braces, 64 KiB', async () => {
      const bus = await factory.create();
      const received = listen(bus);
      const sent = [
        { topic: 'demo {tag}image', payload: '{"type":"presence","viewers":[{"id":"u1|x","name":"a\nb"}]}' },
        { topic: 'feed:demo', payload: '{"type":"tenant-event","tenantId":"demo"}' },
        { topic: 'demo big', payload: `{"blob":"${'é'.repeat(32 * 1024)}"}` },
        { topic: 'demo {}', payload: '|||' },
      ];
      for (const { topic } of sent) await bus.subscribe(topic);
      for (const { topic, payload } of sent) await bus.publish(topic, payload);
      await eventually(() => received.length >= sent.length, 'every payload');
      await settle();
      expect([...received].sort((a, b) => a.topic.localeCompare(b.topic))).toEqual([...sent].sort((a, b) => a.topic.localeCompare(b.topic)));
      await bus.close();
    });

    test('topics are exact: a space-separated urlId with odd characters is its own topic', async () => {
      const bus = await factory.create();
      const received = listen(bus);
      const topic = 'demo https://example.com/a b?c=*&d=[1]';
      await bus.subscribe(topic);
      await bus.subscribe('demo https://example.com/a');
      await bus.publish(topic, '{"seq":1}');
      await eventually(() => received.length === 1, 'the message');
      await settle();
      expect(received).toEqual([{ topic, payload: '{"seq":1}' }]);
      await bus.close();
    });
  });
}
