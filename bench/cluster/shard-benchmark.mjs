#!/usr/bin/env node
/**
 * What one Redis shard carries, measured with `redis-benchmark` on a private Redis Cluster of three masters:
 * SPUBLISH of a 450-byte event to a channel of one master with 0 and with 3 subscribers (three connections, as
 * three nodes), and classic PUBLISH on the same cluster, which every master must pass on to every other.
 *
 *   node bench/cluster/shard-benchmark.mjs                 # defaults: 200,000 requests, 50 clients, pipeline 16
 *   node bench/cluster/shard-benchmark.mjs --requests=500000 --pipeline=1
 *
 * The subscribers are plain `redis-cli` processes whose output goes to /dev/null. All of it shares this machine's
 * cores with the benchmark client: on separate machines a shard does more.
 */
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { startRedisCluster } from '../../test/helpers/redis-cluster.mjs';
import { parseOptions } from '../lib/options.mjs';
import { describeMachine, loadAverage } from '../lib/machine.mjs';

const run = promisify(execFile);
const options = parseOptions(process.argv.slice(2), { requests: 200_000, clients: 50, pipeline: 16, bytes: 450 });
const payload = `{"seq":1,"text":"${'x'.repeat(Math.max(0, options.bytes - 20))}"}`;

/** requests/s that `redis-benchmark` reports for one command against the node on `port`. */
async function benchmark(port, ...command) {
  const { stdout } = await run('redis-benchmark', ['-p', String(port), '-c', String(options.clients), '-n', String(options.requests),
    '-P', String(options.pipeline), '-q', ...command], { maxBuffer: 1 << 20 });
  const match = /([\d.]+) requests per second/.exec(stdout.replace(/\r/g, '\n'));
  if (!match) throw new Error(`redis-benchmark said: ${stdout}`);
  return Math.round(Number(match[1]));
}

function subscribers(port, mode, channel, count) {
  return Array.from({ length: count }, () => spawn('redis-cli', ['-p', String(port), mode, channel], { stdio: ['ignore', 'ignore', 'ignore'] }));
}

console.log(`machine: ${describeMachine()}; load before: ${loadAverage()}`);
console.log(`${options.requests} requests, ${options.clients} clients, pipeline ${options.pipeline}, ${payload.length}-byte message`);
const cluster = await startRedisCluster({ masters: 3, replicasPerMaster: 0 });
try {
  const channel = 'image-chat:demo bench-image';
  const owner = await cluster.masterOf(channel);
  const other = cluster.ports.find((port) => port !== owner);
  const results = {};
  results['SPUBLISH, 0 subscribers'] = await benchmark(owner, 'SPUBLISH', channel, payload);
  const shardSubscribers = subscribers(owner, 'SSUBSCRIBE', channel, 3);
  await new Promise((resolve) => setTimeout(resolve, 500));
  results['SPUBLISH, 3 subscribers'] = await benchmark(owner, 'SPUBLISH', channel, payload);
  shardSubscribers.forEach((child) => child.kill());
  // Classic pub/sub on a cluster: a PUBLISH on one master is sent to every other master over the cluster bus.
  const classicSubscribers = subscribers(other, 'SUBSCRIBE', channel, 3);
  await new Promise((resolve) => setTimeout(resolve, 500));
  results['PUBLISH on a 3-master cluster, 3 subscribers on another master'] = await benchmark(owner, 'PUBLISH', channel, payload);
  classicSubscribers.forEach((child) => child.kill());
  for (const [name, perSecond] of Object.entries(results)) console.log(`${name}: ${perSecond.toLocaleString('en-US')} /s`);
} finally {
  await cluster.stop();
}
console.log(`load after: ${loadAverage()}`);
