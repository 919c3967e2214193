/**
 * The limits a benchmark node runs with: all its load comes from one address, one writer and one tenant, so
 * every rate, admission cap and budget that protects a node from strangers is moved out of the way. What
 * is measured is fan-out, not the limits.
 */
export const LOAD_TEST_LIMITS = {
  WRITE_RATE_PER_SECOND: '1000000', WRITE_BURST: '1000000', FRAME_RATE_PER_SECOND: '1000000', FRAME_BURST: '1000000',
  MAX_CHATS_PER_IMAGE: '1000000',
  // One writer makes every marker on one image: the per-person and image byte caps out of the way too.
  MAX_CHATS_PER_PERSON_PER_IMAGE: '1000000', MAX_IMAGE_BYTES: '2000000000',
  MAX_CONNECTIONS: '1000000', MAX_CONNECTIONS_PER_IP: '1000000', CONNECTION_RATE_PER_IP: '100000000', CONNECTION_BURST_PER_IP: '1000000',
  MAX_TCP_CONNECTIONS_PER_IP: '1000000',
  PERSON_WRITES_PER_MINUTE: '100000000', IP_WRITES_PER_MINUTE: '100000000', TENANT_WRITES_PER_MINUTE: '100000000',
  PERSON_WRITE_BYTES_PER_MINUTE: '2000000000', TENANT_WRITE_BYTES_PER_MINUTE: '2000000000', IP_WRITE_BYTES_PER_MINUTE: '2000000000',
  READ_BYTES_PER_MINUTE: '2000000000', READ_BYTES_PER_MINUTE_PER_IP: '2000000000', MAX_CONCURRENT_READS_PER_IP: '1000000',
};
