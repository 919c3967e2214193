/**
 * Socket.IO 4 spoken over a plain `ws` socket (Engine.IO protocol v4, WebSocket transport only), for the
 * benchmark's writer and subscribers. socket.io-client would make the subscriber process the bottleneck on one
 * core; with a plain socket the client side costs the same for every server under test, and what is measured is
 * the server.
 *
 * The few packets used: the server opens with `0{…}`; the client connects to the main namespace with `40` and
 * gets `40{"sid":…}`; `42[name, data]` is an event, `42<id>[…]` one that asks for an ack, answered by
 * `43<id>[…]`; the server pings with `2` and expects `3`.
 */
import { WebSocket } from 'ws';

const PING = 0x32; // '2'
const PONG = '3';

/** The Engine.IO WebSocket endpoint of a Socket.IO server at `http://host:port`. */
export const socketIoUrl = (base) => `${base.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`;

/** An event packet: `42["name",data]`. */
export const eventPacket = (name, data) => `42${JSON.stringify([name, data])}`;

/** True for an Engine.IO ping (`2`); answers it with a pong, so the server keeps the connection. */
export function answerPing(socket, frame) {
  if (frame.length !== 1 || frame[0] !== PING) return false;
  socket.send(PONG);
  return true;
}

/**
 * Completes the Socket.IO handshake on an open socket: waits for the Engine.IO open packet, connects to the main
 * namespace, and, if `subscribe` is given, emits it as a `subscribe` event with an ack and waits for the ack.
 * Resolves once the socket is ready for events; pings are answered from then on by `answerPing` in the caller's
 * own message listener, and during the handshake here.
 * @param {WebSocket} socket an open socket to `socketIoUrl(…)`
 * @param {unknown} [subscribe] data of the `subscribe` event
 * @returns {Promise<void>}
 */
export function socketIoHandshake(socket, subscribe) {
  return new Promise((resolve, reject) => {
    const onMessage = (data) => {
      const frame = /** @type {Buffer} */ (data);
      if (answerPing(socket, frame)) return;
      const text = frame.toString();
      if (text.startsWith('0{')) return socket.send('40');
      if (text.startsWith('40')) {
        if (subscribe === undefined) return finish();
        return socket.send(`421${JSON.stringify(['subscribe', subscribe])}`);
      }
      if (text.startsWith('431')) return finish();
      fail(new Error(`unexpected Socket.IO packet during the handshake: ${text.slice(0, 80)}`));
    };
    const finish = () => { socket.off('message', onMessage); resolve(); };
    const fail = (error) => { socket.off('message', onMessage); reject(error); };
    socket.on('message', onMessage);
  });
}

/** Opens a plain `ws` socket to a Socket.IO server's endpoint and completes the handshake (see above). */
export function openSocketIo(url, subscribe) {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { perMessageDeflate: false, skipUTF8Validation: true });
    socket.once('error', reject);
    socket.once('open', () => socketIoHandshake(socket, subscribe).then(() => resolve(socket), reject));
  });
}
