#!/usr/bin/env node
/**
 * A tiny round-robin TCP load balancer for trying a cluster by hand: each incoming connection (HTTP or
 * WebSocket alike, since it forwards bytes) goes to the next node; a node that refuses is skipped. No sticky
 * sessions, like the load balancer image-chat is meant to run behind. Not for production: use nginx or the
 * like (docs/operating.md).
 *
 *   node scripts/cluster-proxy.mjs 8080 8081 8082 8083
 */
import { connect, createServer } from 'node:net';

const [listenPort, ...targets] = process.argv.slice(2).map(Number);
if (!listenPort || targets.length === 0 || [listenPort, ...targets].some((p) => !Number.isInteger(p))) {
  console.error('usage: cluster-proxy.mjs LISTEN_PORT NODE_PORT...');
  process.exit(2);
}

let next = 0;
const server = createServer((client) => {
  client.pause();
  const attempt = (tries) => {
    if (tries >= targets.length) return client.destroy();
    const port = targets[next++ % targets.length];
    const upstream = connect(port, '127.0.0.1');
    upstream.once('connect', () => {
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
      client.pipe(upstream).pipe(client);
      client.resume();
    });
    upstream.once('error', () => attempt(tries + 1));
  };
  attempt(0);
});
server.listen(listenPort, '127.0.0.1', () => console.log(`proxy on :${listenPort} → ${targets.join(', ')}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
