/**
 * Who is on the other end of a socket: the address that connection limits and budgets are counted against.
 *
 * It is the socket's peer address, unless that peer is one of the operator's trusted reverse proxies
 * (`TRUST_PROXY`); then it is the right-most address of `X-Forwarded-For` that is not itself a trusted proxy.
 * Right-most, because every proxy appends the address it saw: entries to the left of the first untrusted one
 * were written by the client and prove nothing.
 */
import { BlockList, isIP, type Socket } from 'node:net';

/** The address used when the socket no longer knows its peer (it closed while being accepted). */
const UNKNOWN = 'unknown';

/**
 * A socket's peer address, read without leaving Node's copy on the socket: Node keeps the peer's address, family
 * and port (an object and its strings, ~90 bytes) on the socket for its whole life once `remoteAddress` is read,
 * and an idle WebSocket has no further use for it (issue 14: memory per connection). Node reads it from the
 * socket again when asked later.
 */
export function peerAddressOf(socket: Socket): string | undefined {
  const address = socket.remoteAddress;
  (socket as Socket & { _peername?: unknown })._peername = undefined;
  return address;
}

/** `X-Forwarded-For` entries looked at, at most: more trusted hops than this is a misconfiguration. */
const MAX_HOPS = 32;

/**
 * The eight 16-bit groups of an IPv6 address (zone index dropped, an embedded IPv4 tail converted), or null
 * when it is not one.
 */
function ipv6Groups(address: string): number[] | null {
  let text = address.split('%')[0]!.toLowerCase();
  const ipv4Tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (ipv4Tail) {
    const bytes = ipv4Tail[1]!.split('.').map(Number);
    text = `${text.slice(0, ipv4Tail.index)}${((bytes[0]! << 8) | bytes[1]!).toString(16)}:${((bytes[2]! << 8) | bytes[3]!).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail].map((group) => parseInt(group, 16));
  return groups.length === 8 && groups.every((group) => Number.isInteger(group) && group >= 0 && group <= 0xffff) ? groups : null;
}

/**
 * One spelling per address: IPv4 as is, IPv4-mapped IPv6 (`::ffff:1.2.3.4`, how a dual-stack socket reports
 * an IPv4 peer) as the IPv4 address, other IPv6 as eight lower-case groups. Null for anything else.
 * @example normalizeAddress('::ffff:10.0.0.7') // '10.0.0.7'
 */
export function normalizeAddress(address: string): string | null {
  const family = isIP(address);
  if (family === 4) return address;
  if (family !== 6) return null;
  const groups = ipv6Groups(address);
  if (!groups) return null;
  const mapped = groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff;
  if (mapped) return [groups[6]! >> 8, groups[6]! & 0xff, groups[7]! >> 8, groups[7]! & 0xff].join('.');
  return groups.map((group) => group.toString(16)).join(':');
}

/**
 * The key limits are counted under: an IPv4 address, or the /64 network of an IPv6 address. A single IPv6
 * host is usually handed a whole /64, so counting each of its 2^64 addresses apart would make per-address
 * limits worthless.
 * @example addressKey('2001:db8:1:2:aaaa::1') // '2001:db8:1:2::/64'
 */
export function addressKey(address: string): string {
  if (isIP(address) !== 6) return address;
  const groups = ipv6Groups(address);
  if (!groups) return address;
  return `${groups.slice(0, 4).map((group) => group.toString(16)).join(':')}::/64`;
}

/** One `X-Forwarded-For` entry (`1.2.3.4`, `1.2.3.4:5678`, `2001:db8::1`, `[2001:db8::1]:443`), normalised, or null. */
function forwardedEntry(entry: string): string | null {
  const text = entry.trim();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(text);
  if (bracketed) return normalizeAddress(bracketed[1]!);
  const ipv4WithPort = /^(\d+\.\d+\.\d+\.\d+):\d+$/.exec(text);
  return normalizeAddress(ipv4WithPort ? ipv4WithPort[1]! : text);
}

/**
 * Resolves a request's client address from its peer and `X-Forwarded-For`, believing the header only when
 * the peer is a trusted proxy.
 * @example
 * const addresses = new ClientAddresses(['10.0.0.0/8']);
 * addresses.of('10.0.0.2', '198.51.100.4, 203.0.113.9'); // '203.0.113.9'
 * addresses.of('203.0.113.9', '1.1.1.1');                // '203.0.113.9' (the header is ignored)
 */
export class ClientAddresses {
  private readonly trusted = new BlockList();
  private readonly anyTrusted: boolean;

  /** @param trustedProxies addresses or CIDR ranges, as validated by the config (`TRUST_PROXY`) */
  constructor(trustedProxies: readonly string[]) {
    this.anyTrusted = trustedProxies.length > 0;
    for (const entry of trustedProxies) {
      const [address = '', prefix] = entry.split('/');
      const normal = normalizeAddress(address);
      if (!normal) throw new Error(`not an IP address or CIDR range: "${entry}"`);
      const type = isIP(normal) === 4 ? 'ipv4' : 'ipv6';
      // An IPv4-mapped range (::ffff:10.0.0.0/104) is the IPv4 range it maps.
      const bits = prefix === undefined ? undefined : Number(prefix) - (type === 'ipv4' && isIP(address) === 6 ? 96 : 0);
      if (bits === undefined) this.trusted.addAddress(normal, type);
      else this.trusted.addSubnet(normal, Math.max(0, bits), type);
    }
  }

  /** Is this (normalised) address one of the trusted proxies? */
  isTrusted(address: string): boolean {
    if (!this.anyTrusted) return false;
    return this.trusted.check(address, isIP(address) === 4 ? 'ipv4' : 'ipv6');
  }

  /**
   * The client's address.
   * @param peer the socket's `remoteAddress`
   * @param forwardedFor the `X-Forwarded-For` header (several headers arrive joined with commas)
   */
  of(peer: string | undefined, forwardedFor: string | string[] | undefined): string {
    const direct = peer === undefined ? null : normalizeAddress(peer);
    if (!direct) return peer ?? UNKNOWN;
    if (!this.isTrusted(direct) || forwardedFor === undefined) return direct;
    const entries = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor).split(',');
    let nearest = direct;
    for (let index = entries.length - 1, hops = 0; index >= 0 && hops < MAX_HOPS; index -= 1, hops += 1) {
      const address = forwardedEntry(entries[index]!);
      // A malformed entry handed over by a trusted hop: that hop is the closest address known for sure.
      if (!address) return nearest;
      if (!this.isTrusted(address)) return address;
      nearest = address;
    }
    return nearest;
  }
}
