#!/usr/bin/env node
/**
 * Socket.IO 4 as the fan-out benchmark runs it beside image-chat and raw `ws`: default settings but for
 * `transports: ['websocket']` (no long-polling upgrade dance; every subscriber speaks WebSocket), one room per
 * image, and every `write` event from a client emitted to its image's room as `new-image-chat`. No storage, no
 * validation beyond Socket.IO's own parsing, no limits: the idiomatic Socket.IO broadcast.
 *
 *   subscribe {tenantId, urlId} (with an ack)  → joins the room `tenantId/urlId`, acks
 *   write {…event, tenantId, urlId}            → io.to(room).emit('new-image-chat', event)
 *
 * Env: PORT (required), HOST (default 127.0.0.1). Prints one JSON line `{"listening":PORT}` when ready.
 */
import { createServer } from 'node:http';
import { Server } from 'socket.io';

const port = Number(process.env.PORT);
const host = process.env.HOST || '127.0.0.1';
if (!Number.isInteger(port) || port <= 0) {
  console.error('socketio-server: PORT must be set');
  process.exit(2);
}

const room = (message) => `${message?.tenantId}/${message?.urlId}`;

const http = createServer();
const io = new Server(http, { transports: ['websocket'] });

io.on('connection', (socket) => {
  socket.on('subscribe', (message, ack) => {
    socket.join(room(message));
    if (typeof ack === 'function') ack({ ok: true });
  });
  socket.on('write', (event) => io.to(room(event)).emit('new-image-chat', event));
});

http.listen(port, host, () => process.stdout.write(`${JSON.stringify({ listening: port })}\n`));

const stop = () => {
  io.disconnectSockets(true);
  io.close(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
