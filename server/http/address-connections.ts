/**
 * The per-address cap on open TCP connections (HTTP and WebSocket alike), counted at the HTTP server's
 * `connection` event on the socket's peer address, before a byte is parsed. Without it one address could hold
 * every descriptor of a node with half-open requests (slowloris), and the WebSocket admission, which counts
 * only completed upgrades, would never see them.
 *
 * Trusted proxies (`TRUST_PROXY`) are exempt: every client behind them shares their address, and the WebSocket
 * admission limits each forwarded address instead. Addresses are spelled as the admission spells them
 * (IPv4-mapped IPv6 as IPv4, IPv6 per /64), so both count the same client under the same key.
 */
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { throttledLog } from '../log-throttle.js';
import { ClientAddresses, addressKey, normalizeAddress, peerAddressOf } from '../gateway/client-address.js';

/** Where a counted socket keeps its address's key until it closes (a property, not a closure per socket). */
const ADDRESS_KEY = Symbol('image-chat address key');
type CountedSocket = Socket & { [ADDRESS_KEY]: string };

/** What `AddressConnections.take` made of a new connection. */
type AddressVerdict = { verdict: 'counted'; key: string } | { verdict: 'full'; key: string } | { verdict: 'exempt' };

/**
 * Open connections per address. Only addresses with at least one open connection are held, so many one-off
 * addresses leave nothing behind.
 * @example
 * const open = new AddressConnections(256, new ClientAddresses([]));
 * const taken = open.take('::ffff:203.0.113.9'); // { verdict: 'counted', key: '203.0.113.9' }
 * if (taken.verdict === 'counted') open.release(taken.key);
 */
export class AddressConnections {
  /** Per address key: the key itself (one string for all of the address's sockets) and its open connections. */
  private readonly open = new Map<string, { key: string; count: number }>();

  constructor(private readonly maxPerAddress: number, private readonly addresses: ClientAddresses) {}

  /**
   * Counts a new connection from `peer` (a socket's `remoteAddress`): `counted` (release it under `key` when it
   * closes), `full` (the address already holds `maxPerAddress`: the caller drops it, nothing was counted) or
   * `exempt` (a trusted proxy, or a socket that closed before it was accepted and no longer knows its peer).
   */
  take(peer: string | undefined): AddressVerdict {
    const normal = peer === undefined ? null : normalizeAddress(peer);
    if (normal === null || this.addresses.isTrusted(normal)) return { verdict: 'exempt' };
    const key = addressKey(normal);
    const held = this.open.get(key);
    if (!held) {
      this.open.set(key, { key, count: 1 });
      return { verdict: 'counted', key };
    }
    if (held.count >= this.maxPerAddress) return { verdict: 'full', key };
    held.count += 1;
    return { verdict: 'counted', key: held.key };
  }

  /** Releases one connection taken under `key`; the address is forgotten when its last one closes. */
  release(key: string): void {
    const held = this.open.get(key);
    if (!held) return;
    if (held.count <= 1) this.open.delete(key);
    else held.count -= 1;
  }

  /** Open connections from the address under `key`. */
  count(key: string): number {
    return this.open.get(key)?.count ?? 0;
  }

  /** Addresses with at least one open connection. */
  get addressCount(): number {
    return this.open.size;
  }
}

interface AddressCapOptions {
  log: Logger;
  /** `MAX_TCP_CONNECTIONS_PER_IP`. */
  maxPerAddress: number;
  /** `config.trustedProxies`: their connections are not counted. */
  trustedProxies: readonly string[];
  /** Called for each connection dropped because its address is at the cap (with the address's key). */
  onDrop: (address: string) => void;
}

/**
 * Caps open TCP connections per client address on `server`; call once, before `listen`. A connection past the
 * cap is destroyed in its `connection` event, before Node's parser has read from it, and warned about through
 * the log throttle (the first at once, then at most one line per interval).
 *
 * @example
 * capConnectionsPerAddress(http, { log, maxPerAddress: 256, trustedProxies: [], onDrop: () => metrics.connectionDropped('address-tcp') });
 */
export function capConnectionsPerAddress(server: Server, options: AddressCapOptions): AddressConnections {
  const { maxPerAddress } = options;
  const open = new AddressConnections(maxPerAddress, new ClientAddresses(options.trustedProxies));
  const warnDrop = throttledLog(options.log, 'warn', 'connection dropped: too many TCP connections from one address');
  // One listener for every socket: a closure per socket (and `once`'s wrapper) cost each idle connection ~250 bytes.
  function releaseOnClose(this: CountedSocket): void {
    open.release(this[ADDRESS_KEY]);
  }
  server.on('connection', (socket: Socket) => {
    const taken = open.take(peerAddressOf(socket));
    if (taken.verdict === 'exempt') return;
    if (taken.verdict === 'full') {
      socket.destroy();
      options.onDrop(taken.key);
      warnDrop({ address: taken.key, maxTcpConnectionsPerIp: maxPerAddress });
      return;
    }
    // An upgraded WebSocket keeps this same socket: the count holds until its descriptor is closed.
    (socket as CountedSocket)[ADDRESS_KEY] = taken.key;
    socket.on('close', releaseOnClose);
  });
  return open;
}
