/** How the bus is chosen from the environment: one Redis, a Redis Cluster, or neither; contradictions stop the start. */
import { describe, expect, test } from 'vitest';
import { ConfigError, loadConfig } from '../../server/config.js';

describe('bus settings', () => {
  test('no Redis setting: the in-process bus', () => {
    const config = loadConfig({});
    expect(config.redisUrl).toBeUndefined();
    expect(config.redisCluster).toBeUndefined();
  });

  test('REDIS_URL: one Redis', () => {
    const config = loadConfig({ REDIS_URL: 'redis://10.0.0.1:6379' });
    expect(config.redisUrl).toBe('redis://10.0.0.1:6379');
    expect(config.redisCluster).toBeUndefined();
  });

  test('REDIS_CLUSTER and redis+cluster:// name the same seed nodes, IPv6 in brackets', () => {
    const nodes = [{ host: '10.0.0.1', port: 7000 }, { host: 'redis-b.internal', port: 7001 }, { host: '::1', port: 7002 }];
    expect(loadConfig({ REDIS_CLUSTER: '10.0.0.1:7000, redis-b.internal:7001,[::1]:7002' }).redisCluster).toEqual(nodes);
    const fromUrl = loadConfig({ REDIS_URL: 'redis+cluster://10.0.0.1:7000,redis-b.internal:7001,[::1]:7002/' });
    expect(fromUrl.redisCluster).toEqual(nodes);
    expect(fromUrl.redisUrl).toBeUndefined();
  });

  test('REDIS_URL and REDIS_CLUSTER together stop the start', () => {
    expect(() => loadConfig({ REDIS_URL: 'redis://a:6379', REDIS_CLUSTER: 'b:7000' }))
      .toThrow(new ConfigError('REDIS_URL and REDIS_CLUSTER are both set: set REDIS_URL for one Redis, or REDIS_CLUSTER for a Redis Cluster, not both'));
  });

  test('malformed cluster nodes stop the start with the variable and the entry named', () => {
    expect(() => loadConfig({ REDIS_CLUSTER: '10.0.0.1' })).toThrow('REDIS_CLUSTER must list cluster nodes as host:port (e.g. "10.0.0.1:7000,10.0.0.2:7000"), got "10.0.0.1"');
    expect(() => loadConfig({ REDIS_CLUSTER: 'a:7000,b:99999' })).toThrow('got "b:99999"');
    expect(() => loadConfig({ REDIS_URL: 'redis+cluster://' })).toThrow('REDIS_URL must list at least one cluster node as host:port, got ""');
    expect(() => loadConfig({ REDIS_URL: 'http://a:6379' })).toThrow('REDIS_URL must start with "redis://", "rediss://" or "redis+cluster://", got "http://a:6379"');
  });

  test('a prefix with a hash tag would put every channel in one slot: refused with a cluster', () => {
    expect(() => loadConfig({ REDIS_CLUSTER: 'a:7000', REDIS_PREFIX: '{ic}:' }))
      .toThrow('REDIS_PREFIX must not contain a {hash tag} with REDIS_CLUSTER (every image would land on one shard), got "{ic}:"');
    expect(loadConfig({ REDIS_URL: 'redis://a:6379', REDIS_PREFIX: '{ic}:' }).redisPrefix).toBe('{ic}:');
    expect(loadConfig({ REDIS_CLUSTER: 'a:7000', REDIS_PREFIX: 'ic:' }).redisPrefix).toBe('ic:');
  });
});
