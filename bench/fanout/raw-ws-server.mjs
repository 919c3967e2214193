#!/usr/bin/env node
/**
 * The baseline for the fan-out benchmark: the least a WebSocket broadcast server can do with `ws`.
 * Every frame a client sends is sent, as the same bytes, to every other open client. No parsing, no
 * storage, no ordering, no batching, no limits: what is left is the cost of `ws` and the kernel.
 *
 * Env: PORT (required), HOST (default 127.0.0.1). Prints one JSON line `{"listening":PORT}` when ready.
 */
import { WebSocketServer } from 'ws';

const port = Number(process.env.PORT);
const host = process.env.HOST || '127.0.0.1';
if (!Number.isInteger(port) || port <= 0) {
  console.error('raw-ws-server: PORT must be set');
  process.exit(2);
}

// Same socket options as the image-chat gateway (no compression), so only the work per frame differs.
const wss = new WebSocketServer({ host, port, path: '/ws', perMessageDeflate: false, maxPayload: 64 * 1024 });

wss.on('connection', (socket) => {
  socket.on('message', (data, isBinary) => {
    for (const client of wss.clients) {
      if (client !== socket && client.readyState === client.OPEN) client.send(data, { binary: isBinary });
    }
  });
  socket.on('error', () => {});
});

wss.on('listening', () => process.stdout.write(`${JSON.stringify({ listening: port })}\n`));

const stop = () => {
  for (const client of wss.clients) client.terminate();
  wss.close(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
