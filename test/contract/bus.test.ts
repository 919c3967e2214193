/**
 * The bus contract against the in-process bus and the Redis bus, then what only a bus between nodes can
 * show: cross-node delivery once, no traffic to nodes that do not watch an image, and a Redis outage.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { MemoryBus } from '../../server/bus/memory.js';
import { RedisBus } from '../../server/bus/redis.js';
import { createLogger } from '../../server/log.js';
import { startRedis, type RedisServer } from '../helpers/redis.mjs';
import { busContract, eventually, handlerOf, settle } from './bus.contract.js';

const log = createLogger('silent');
let redis: RedisServer;
const opened: RedisBus[] = [];

beforeAll(async () => { redis = await startRedis(); });
afterAll(async () => {
  await Promise.all(opened.map((bus) => bus.close()));
  await redis?.stop();
});

async function redisBus(prefix = 'contract:'): Promise<RedisBus> {
  const bus = new RedisBus({ url: redis.url, prefix, log });
  opened.push(bus);
  if (!(await bus.waitUntilHealthy(10_000))) throw new Error('redis bus did not connect');
  return bus;
}

busContract('memory', { create: async () => new MemoryBus() });
busContract('redis', { create: () => redisBus() });

/**
 * Cuts only `bus`'s connections (Redis stays up for the others) and publishes a numbered event on `topic` while they
 * are down, then `alsoWhileCut`; retried until a publish did fail. Resolves with the payload that failed.
 */
async function publishWhileCut(bus: RedisBus, topic: string, alsoWhileCut?: () => Promise<void>): Promise<string> {
  for (let attempt = 0; attempt < 10; attempt += 1) {
    const clients = String(await redis.command('CLIENT', 'LIST')).split('\n').filter((line) => line.includes(`-${bus.nodeId} `));
    for (const line of clients) await redis.command('CLIENT', 'KILL', 'ID', /id=(\d+)/.exec(line)![1]!);
    await eventually(() => !bus.healthy, 'the bus to notice');
    const payload = `{"seq":${attempt + 1}}`;
    const failed = await bus.publish(topic, payload).then(() => false, () => true);
    if (failed) await alsoWhileCut?.();
    await eventually(() => bus.healthy, 'the bus to reconnect');
    if (failed) return payload;
  }
  throw new Error('could not publish while the bus was disconnected');
}

describe('redis bus between nodes', () => {
  test('a payload published on one node reaches each subscribed node once, the publisher included', async () => {
    const [one, two, three] = await Promise.all([redisBus('x1:'), redisBus('x1:'), redisBus('x1:')]);
    const got = new Map<string, string[]>([['one', []], ['two', []], ['three', []]]);
    one!.setHandler(handlerOf((_t, p) => got.get('one')!.push(p)));
    two!.setHandler(handlerOf((_t, p) => got.get('two')!.push(p)));
    three!.setHandler(handlerOf((_t, p) => got.get('three')!.push(p)));
    await Promise.all([one!.subscribe('demo img'), two!.subscribe('demo img')]);
    await one!.publish('demo img', '{"seq":1}');
    await two!.publish('demo img', '{"seq":2}');
    await eventually(() => got.get('one')!.length === 2 && got.get('two')!.length === 2, 'both payloads on both nodes');
    await settle();
    expect(got.get('one')!.sort()).toEqual(['{"seq":1}', '{"seq":2}']);
    expect(got.get('two')!.sort()).toEqual(['{"seq":1}', '{"seq":2}']);
    // Node three never subscribed: Redis sends it nothing for this image.
    expect(got.get('three')).toEqual([]);
    expect(three!.received).toBe(0);
    expect(await redis.command('PUBSUB', 'NUMSUB', 'x1:demo img')).toEqual(['x1:demo img', 2]);
    await two!.unsubscribe('demo img');
    expect(await redis.command('PUBSUB', 'NUMSUB', 'x1:demo img')).toEqual(['x1:demo img', 1]);
  });

  test('Redis down: publish fails fast, local delivery goes on, healthy is false; back: resubscribed, then handleBusUp', async () => {
    const [one, two] = await Promise.all([redisBus('x2:'), redisBus('x2:')]);
    const gotOne: string[] = [];
    const gotTwo: string[] = [];
    one!.setHandler(handlerOf((_t, p) => gotOne.push(p)));
    const status: string[] = [];
    two!.setHandler(handlerOf((_t, p) => gotTwo.push(p), status));
    await Promise.all([one!.subscribe('demo a'), two!.subscribe('demo a')]);

    await redis.kill();
    try {
      await eventually(() => !one!.healthy && !two!.healthy, 'both buses to notice the outage');
      expect(status).toEqual(['down']);
      await expect(one!.publish('demo a', '{"seq":1}')).rejects.toThrow(/redis unavailable/);
      await eventually(() => gotOne.length === 1, 'local delivery during the outage');
      // A topic first subscribed during the outage is subscribed when Redis returns.
      await two!.subscribe('demo b');
      await one!.subscribe('demo b');
    } finally {
      await redis.restart();
    }
    await eventually(() => one!.healthy && two!.healthy, 'both buses to reconnect', 15_000);
    expect(status).toEqual(['down', 'up']);
    await one!.publish('demo a', '{"seq":2}');
    await one!.publish('demo b', '{"seq":3}');
    await eventually(() => gotTwo.includes('{"seq":2}') && gotTwo.includes('{"seq":3}'), 'cross-node delivery after the outage');
    await settle();
    // Node one republishes what it could not publish; node two gets it only if it was subscribed again by then
    // (when the whole Redis was down, node two's own onUp makes its subscribers resync anyway). Never twice.
    expect(gotTwo.filter((p) => p !== '{"seq":1}').sort()).toEqual(['{"seq":2}', '{"seq":3}']);
    expect(gotTwo.filter((p) => p === '{"seq":1}').length).toBeLessThanOrEqual(1);
    expect(gotOne.sort()).toEqual(['{"seq":1}', '{"seq":2}', '{"seq":3}']);
  });

  test('a node that alone lost Redis republishes its newest unsent event per image once it is back', async () => {
    const [one, two] = await Promise.all([redisBus('x4:'), redisBus('x4:')]);
    const gotTwo: string[] = [];
    two!.setHandler(handlerOf((_t, p) => gotTwo.push(p)));
    await Promise.all([one!.subscribe('demo p'), two!.subscribe('demo p')]);
    // Cut only node one's connections (Redis stays up for node two), and publish while they are down.
    const failed = await publishWhileCut(one!, 'demo p');
    await eventually(() => gotTwo.includes(failed), 'the republished event on node two');
  });

  test('a transient publish that fails (presence) does not take the place of the unsent event: the event is republished, the transient never', async () => {
    const [one, two] = await Promise.all([redisBus('x5:'), redisBus('x5:')]);
    const gotTwo: string[] = [];
    two!.setHandler(handlerOf((_t, p) => gotTwo.push(p)));
    await Promise.all([one!.subscribe('demo t'), two!.subscribe('demo t')]);
    const failed = await publishWhileCut(one!, 'demo t', async () => {
      await one!.publish('demo t', '{"presence":"state"}', { transient: true }).catch(() => undefined);
    });
    await eventually(() => gotTwo.includes(failed), 'the republished event on node two');
    await settle();
    expect(gotTwo).not.toContain('{"presence":"state"}');
  });

  test('a bus started while Redis is down comes up later and then reports healthy', async () => {
    await redis.kill();
    const bus = new RedisBus({ url: redis.url, prefix: 'x3:', log });
    opened.push(bus);
    try {
      expect(await bus.waitUntilHealthy(300)).toBe(false);
      expect(bus.healthy).toBe(false);
    } finally {
      await redis.restart();
    }
    expect(await bus.waitUntilHealthy(15_000)).toBe(true);
  });
});
