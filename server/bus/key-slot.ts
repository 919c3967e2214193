/**
 * The Redis Cluster slot of a key or shard channel (CRC16-XMODEM of the name, or of its `{hash tag}` when it
 * has a non-empty one, modulo 16384), as the cluster specification defines it. The sharded bus uses it to know
 * which master serves each of its topics, so it can tell which topics a failover or a slot migration touched.
 */

/** Slots in a Redis Cluster (fixed by Redis). */
export const CLUSTER_SLOTS = 16384;

const CRC16_TABLE = (() => {
  const table = new Uint16Array(256);
  for (let byte = 0; byte < 256; byte += 1) {
    let crc = byte << 8;
    for (let bit = 0; bit < 8; bit += 1) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    table[byte] = crc;
  }
  return table;
})();

function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) crc = ((crc << 8) & 0xffff) ^ CRC16_TABLE[((crc >> 8) ^ byte) & 0xff]!;
  return crc;
}

/** The hashed part of a name: the text inside the first `{…}` if it is not empty, else the whole name. */
function hashedPart(name: Buffer): Buffer {
  const open = name.indexOf(0x7b); // {
  if (open < 0) return name;
  const close = name.indexOf(0x7d, open + 1); // }
  if (close < 0 || close === open + 1) return name;
  return name.subarray(open + 1, close);
}

/** @example keySlot('image-chat:demo img-1') // the slot CLUSTER KEYSLOT gives for that name */
export function keySlot(name: string): number {
  return crc16(hashedPart(Buffer.from(name, 'utf8'))) % CLUSTER_SLOTS;
}
