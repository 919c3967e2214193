/**
 * A private Redis Cluster for one test file or benchmark run: N masters (and optionally one replica each), each a
 * redis-server on a free port whose cluster-bus port (port + 10000) is free too, in its own temp dir, without
 * persistence. Nodes can be killed (SIGKILL, like a crash) and restarted on their port with their old cluster
 * identity; slots can be moved with `redis-cli --cluster reshard`. Plain JavaScript (typed in redis-cluster.d.mts)
 * so that the benchmarks start a cluster the same way as the tests.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { freePortPair } from './free-port.mjs';
import { exited } from './child-exit.mjs';
import { launchRedisServer } from './redis.mjs';

const REDIS_CLI = process.env.REDIS_CLI ?? 'redis-cli';
/** The cluster bus of a node listens on its port plus this (Redis's fixed offset). */
const CLUSTER_BUS_OFFSET = 10_000;
const run = promisify(execFile);
const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts one cluster-enabled redis-server in `dir`, resolving once it accepts connections. */
function launch(port, dir, nodeTimeoutMs) {
  return launchRedisServer([
    '--port', String(port), '--dir', dir,
    '--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', String(nodeTimeoutMs),
    // A shard that is down must not stop the others: they keep serving their slots.
    '--cluster-require-full-coverage', 'no',
    // Replicas sync at once (the default waits 5 s for more replicas to share one transfer).
    '--repl-diskless-sync-delay', '0',
  ]);
}

/** Runs one command on a fresh connection to 127.0.0.1:port. */
async function command(port, name, ...args) {
  const client = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: null });
  client.on('error', () => {});
  try {
    await client.connect();
    return await client.call(name, ...args);
  } finally {
    client.disconnect();
  }
}

/** `CLUSTER NODES` of one node, parsed. */
async function clusterNodes(port) {
  const text = String(await command(port, 'CLUSTER', 'NODES'));
  return text.trim().split('\n').map((line) => {
    const [id, address, flags, masterId, , , , linkState, ...slots] = line.split(' ');
    return {
      id, port: Number(address.split('@')[0].split(':')[1]), flags: flags.split(','), masterId,
      connected: linkState === 'connected', slots,
    };
  });
}

/**
 * @param {{ masters?: number, replicasPerMaster?: number, nodeTimeoutMs?: number }} [options]
 */
export async function startRedisCluster({ masters = 3, replicasPerMaster = 0, nodeTimeoutMs = 1000 } = {}) {
  const total = masters * (1 + replicasPerMaster);
  const nodes = [];
  const killAtExit = () => { for (const node of nodes) node.child?.kill('SIGKILL'); };
  process.once('exit', killAtExit);
  try {
    for (let i = 0; i < total; i += 1) {
      const dir = mkdtempSync(join(tmpdir(), 'image-chat-redis-cluster-'));
      // A port taken between the check and the start (another test file) is retried with another.
      for (let attempt = 0; ; attempt += 1) {
        const port = await freePortPair(CLUSTER_BUS_OFFSET);
        try {
          nodes.push({ port, dir, child: await launch(port, dir, nodeTimeoutMs) });
          break;
        } catch (error) {
          if (attempt >= 3 || !/Address already in use/i.test(String(error))) throw error;
        }
      }
    }
    await run(REDIS_CLI, ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`),
      '--cluster-replicas', String(replicasPerMaster), '--cluster-yes'], { timeout: 60_000 });
  } catch (error) {
    killAtExit();
    process.off('exit', killAtExit);
    throw error;
  }

  const live = () => nodes.filter((n) => n.child !== null);

  const cluster = {
    /** Every node's port, masters first as created (roles change after a failover). */
    ports: nodes.map((n) => n.port),
    /** `REDIS_CLUSTER` for a node: every node's address, comma-separated. */
    spec: nodes.map((n) => `127.0.0.1:${n.port}`).join(','),
    startupNodes: nodes.map((n) => ({ host: '127.0.0.1', port: n.port })),
    command,
    /** The port of the master that owns the slot of `key` (a channel name), asked of a live node. */
    async masterOf(key) {
      const anyLive = live()[0].port;
      const slot = Number(await command(anyLive, 'CLUSTER', 'KEYSLOT', key));
      return (await cluster.ownerOfSlot(slot)).port;
    },
    async ownerOfSlot(slot) {
      for (const node of await clusterNodes(live()[0].port)) {
        if (!node.flags.includes('master') || node.flags.includes('fail')) continue;
        for (const range of node.slots) {
          const [from, to = from] = range.split('-').map(Number);
          if (slot >= from && slot <= to) return node;
        }
      }
      throw new Error(`no live master owns slot ${slot}`);
    },
    /** Waits until every live node's view gives `slot` to the master on `port` (gossip takes a moment). */
    async waitForOwner(slot, port, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const views = await Promise.all(live().map(async (n) => {
          for (const node of await clusterNodes(n.port).catch(() => [])) {
            if (!node.flags.includes('master')) continue;
            for (const range of node.slots) {
              const [from, to = from] = range.split('-').map(Number);
              if (slot >= from && slot <= to) return node.port;
            }
          }
          return null;
        }));
        if (views.every((owner) => owner === port)) return;
        if (Date.now() > deadline) throw new Error(`slot ${slot} not owned by ${port} in every view: ${views.join(', ')}`);
        await pause(100);
      }
    },
    async slotOf(key) {
      return Number(await command(live()[0].port, 'CLUSTER', 'KEYSLOT', key));
    },
    /** Masters that are up, as `{ id, port }`. */
    async masters() {
      return (await clusterNodes(live()[0].port)).filter((n) => n.flags.includes('master') && !n.flags.includes('fail') && n.slots.length > 0);
    },
    /** Waits until every live node says `cluster_state:ok` and agrees on who serves all 16384 slots. */
    async waitHealthy(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const states = await Promise.all(live().map((n) => command(n.port, 'CLUSTER', 'INFO').then(String, () => '')));
        const links = await Promise.all(live().map((n) => command(n.port, 'INFO', 'replication').then(String, () => '')));
        // A replica that has not synced yet cannot take over its master.
        const synced = links.every((info) => !info.includes('role:slave') || info.includes('master_link_status:up'));
        if (synced && states.every((info) => info.includes('cluster_state:ok'))) return;
        if (Date.now() > deadline) throw new Error(`redis cluster not healthy:\n${states.join('\n')}`);
        await pause(100);
      }
    },
    /** Kills the node on `port` abruptly (SIGKILL) and waits for it to exit. */
    async kill(port) {
      const node = nodes.find((n) => n.port === port);
      if (!node?.child) return;
      node.child.kill('SIGKILL');
      await exited(node.child);
      node.child = null;
    },
    /** Starts the node on `port` again with its cluster identity (it rejoins; a failed-over master comes back as a replica). */
    async restart(port) {
      const node = nodes.find((n) => n.port === port);
      if (!node || node.child) return;
      node.child = await launch(node.port, node.dir, nodeTimeoutMs);
    },
    /**
     * Moves `count` slots from the master on `fromPort` to the master on `toPort` with `redis-cli --cluster
     * reshard` (keys and shard channels' subscribers follow the slot's new owner).
     */
    async reshard(fromPort, toPort, count) {
      const all = await clusterNodes(live()[0].port);
      const from = all.find((n) => n.port === fromPort);
      const to = all.find((n) => n.port === toPort);
      if (!from || !to) throw new Error('reshard: unknown node');
      await run(REDIS_CLI, ['--cluster', 'reshard', `127.0.0.1:${toPort}`, '--cluster-from', from.id, '--cluster-to', to.id,
        '--cluster-slots', String(count), '--cluster-yes'], { timeout: 120_000 });
    },
    /**
     * Moves `slot` from its master to the master on `toPort` with `redis-cli --cluster reshard`, which moves a
     * source's lowest slots first: so it moves every slot of the source up to this one too.
     */
    async moveSlot(slot, toPort) {
      const owner = await cluster.ownerOfSlot(slot);
      let before = 0;
      for (const range of owner.slots) {
        if (range.startsWith('[')) continue; // a slot being migrated, listed apart
        const [from, to = from] = range.split('-').map(Number);
        if (slot > to) before += to - from + 1;
        else if (slot >= from) before += slot - from;
      }
      await cluster.reshard(owner.port, toPort, before + 1);
    },
    async stop() {
      process.off('exit', killAtExit);
      await Promise.all(nodes.map(async (node) => {
        if (node.child) {
          node.child.kill('SIGKILL');
          await exited(node.child);
          node.child = null;
        }
        rmSync(node.dir, { recursive: true, force: true });
      }));
    },
  };
  await cluster.waitHealthy();
  return cluster;
}
