/**
 * Every limit and default of the protocol, in one place, each with the reason for its value.
 * The server reads these as defaults (operators may override some by environment); the widget
 * reads them to refuse a write before it is sent.
 */
export const LIMITS = {
  /** Largest inbound WebSocket frame. A chat's first comment at MAX_TEXT_LENGTH, escaped, fits with room to spare. */
  MAX_FRAME_BYTES: 64 * 1024,
  /** Longest comment, in UTF-16 code units. A long paragraph; threads are conversations, not documents. */
  MAX_TEXT_LENGTH: 4000,
  /** Longest display name. Fits a marker's label and a thread header. */
  MAX_NAME_LENGTH: 64,
  /** Longest tenant id. Ids are short slugs or UUIDs. */
  MAX_TENANT_ID_LENGTH: 64,
  /** Longest image id (`urlId`). Absolute image URLs without query stay well below this. */
  MAX_URL_ID_LENGTH: 2048,
  /** Longest client-made id (broadcastId, chatId, commentId). A UUID is 36 characters. */
  MAX_ID_LENGTH: 64,
  /** Markers on one image. Beyond this an image is unreadable anyway, and snapshots stay small. */
  MAX_CHATS_PER_IMAGE: 500,
  /** Comments in one thread. Keeps one chat's row and its events bounded. */
  MAX_COMMENTS_PER_CHAT: 200,
  /** Images one connection may watch at once. A page with many images; not a crawler. */
  MAX_SUBSCRIPTIONS_PER_CONNECTION: 100,
  /** Sustained writes per second per connection. A person types far slower; a script does not. */
  WRITE_RATE_PER_SECOND: 10,
  /** Burst of writes a connection may make at once (e.g. a quick move then resolve). */
  WRITE_BURST: 20,
  /** Sustained frames of any kind per second per connection. */
  FRAME_RATE_PER_SECOND: 50,
  /** Burst of frames of any kind. Subscribing every image of a page at once fits. */
  FRAME_BURST: 150,
  /** Refused frames in a row after which the connection is treated as a flood and closed with 1008. */
  FLOOD_CLOSE_AFTER: 30,
  /** Events kept per image for replay after a reconnect; an older `since` gets a snapshot. */
  EVENT_LOG_KEEP: 1000,
  /** Unsent bytes a connection may hold before it is closed as a slow consumer; others are untouched. */
  SLOW_CLIENT_BUFFER_BYTES: 4 * 1024 * 1024,
  /** Most events put into one `batch` frame. */
  MAX_BATCH_EVENTS: 100,
  /** How often the server pings each socket; a peer that sent nothing since the previous ping (no pong, no frame) is terminated. */
  SERVER_PING_INTERVAL_MS: 30_000,
  /** How often the client sends an app-level ping; no frame for twice this long means the server is gone. */
  CLIENT_PING_INTERVAL_MS: 20_000,
  /** Many nodes: how often a node checks the store's seq of (up to 100 of) its images, to catch an event whose node died before publishing it. */
  SEQ_PROBE_INTERVAL_MS: 5_000,
  /** How long an out-of-order run may wait for the missing seq before the subscriber resyncs. */
  GAP_WAIT_MS: 1_000,

  // ---- protection of a node from strangers (docs/security.md) ----

  /** Highest seq an image may reach and the highest `since` a client may send: both stores hold a 32-bit signed integer. */
  MAX_SEQ: 2 ** 31 - 1,
  /** A thread's stored size, counted as the bytes its chat takes on the wire (JSON, UTF-8). About 60 long comments. */
  MAX_THREAD_BYTES: 256 * 1024,
  /** An image's stored size, all its threads on the wire. Bounds a snapshot, the largest answer a subscribe can get. */
  MAX_IMAGE_BYTES: 2 * 1024 * 1024,
  /** A snapshot larger than this (data stored before the caps, or caps lowered since) is refused with `too-large`. */
  MAX_SNAPSHOT_BYTES: 4 * 1024 * 1024,
  /** Snapshot and replay bytes one connection may be sent per minute; past it a subscribe is `rate-limited`. */
  READ_BYTES_PER_MINUTE: 16 * 1024 * 1024,
  /** The same read budget for all connections of one client address together. */
  READ_BYTES_PER_MINUTE_PER_IP: 64 * 1024 * 1024,
  /** Open WebSockets from one client address. Generous for an office behind one NAT; not a botnet of one. */
  MAX_CONNECTIONS_PER_IP: 100,
  /** New WebSockets one client address may open per minute (reconnects after a deploy fit easily). */
  CONNECTION_RATE_PER_IP: 120,
  /** New WebSockets one address may open at once before the per-minute rate applies. */
  CONNECTION_BURST_PER_IP: 40,
  /** Open WebSockets on a node. Below the 20,000 open files a process may hold here, with room for the store and HTTP. */
  MAX_CONNECTIONS: 18_000,
  /** File descriptors kept free below the process's limit: past that, new TCP connections are dropped at accept. */
  FD_RESERVE: 512,
  /** Writes one person (a session's user id) may make per minute over all their connections on a node. */
  PERSON_WRITES_PER_MINUTE: 120,
  /** Bytes of text (UTF-8) one person may write per minute over all their connections on a node. */
  PERSON_WRITE_BYTES_PER_MINUTE: 256 * 1024,
  /** Markers one person may have on one image. */
  MAX_CHATS_PER_PERSON_PER_IMAGE: 50,
  /** Writes per minute from one client address, guests included (each guest connection is a new person). */
  IP_WRITES_PER_MINUTE: 600,
  /** Bytes of text per minute from one client address, guests included: bounds how fast one address grows the disk. */
  IP_WRITE_BYTES_PER_MINUTE: 1024 * 1024,
  /**
   * Tenant hellos per minute from one client address: a page load says one per tenant, a reconnect one more; an
   * SSO hello costs an HMAC and a parse of up to 16 KB, so 100 sockets of one address may not spend a node on them.
   */
  IP_TENANT_HELLOS_PER_MINUTE: 600,
  /** Open TCP connections (HTTP and WebSocket) from one client address; trusted proxies are exempt. A browser needs ~7. */
  MAX_TCP_CONNECTIONS_PER_IP: 256,
  /** How long a request's headers may take to arrive: short, so half-open requests cannot hold connections long. */
  HTTP_HEADERS_TIMEOUT_MS: 10_000,
  /** How long a whole request (headers and body) may take to arrive. No route reads a body; this leaves a slow link room. */
  HTTP_REQUEST_TIMEOUT_MS: 30_000,
  /** How long a WebSocket the server closes (refused, flooding, slow) may take to answer the close before it is cut off; it holds a descriptor meanwhile, and a live peer answers in one round trip. */
  CLOSE_GRACE_MS: 1000,
  /** Snapshot and replay reads one client address may have in flight at once; more wait their turn. */
  MAX_CONCURRENT_READS_PER_IP: 4,
  /**
   * How long a subscribe waits for its connection's unsent buffer to drain (below a quarter of
   * SLOW_CLIENT_BUFFER_BYTES) before it is read; a reader that slow is answered `unavailable` and retries later.
   * A large snapshot takes well under a second on a slow mobile link.
   */
  SUBSCRIBE_DRAIN_TIMEOUT_MS: 20_000,
  /** Writes per minute one tenant may make on a node, so one busy or abused tenant leaves room for the others. */
  TENANT_WRITES_PER_MINUTE: 30_000,
  /** Bytes of text per minute one tenant may write on a node. */
  TENANT_WRITE_BYTES_PER_MINUTE: 32 * 1024 * 1024,
  /**
   * Writes per minute one tenant may make through the REST API on a node (they count toward
   * TENANT_WRITES_PER_MINUTE too): ten a second is plenty for a backend posting replies and moderating, and a
   * runaway script of one site cannot take the tenant's whole write budget from its readers.
   */
  REST_WRITES_PER_MINUTE: 600,

  // ---- presence: who is viewing an image, who is typing (docs/protocol.md#presence) ----

  /**
   * Viewers listed by name in one presence frame (the count stays exact). The widget's bar shows a handful of
   * faces and "+N"; twelve leaves room for a wider bar while a crowd of thousands still costs a small frame.
   */
  PRESENCE_LIST_MAX: 12,
  /**
   * Typing entries in one presence frame. More people writing in one image at the same quarter second than fit a
   * sentence ("Ann, Bob and 3 others are typing…") adds nothing; it bounds what a crowd typing at once costs.
   */
  PRESENCE_TYPING_MAX: 12,
  /**
   * How long presence changes of one image are gathered into one frame. People joining and leaving in a burst (a
   * page shared in a meeting) become one frame per subscriber, not one per change; a quarter second still feels live.
   */
  PRESENCE_FLUSH_MS: 250,
  /** The least time between two typing signals one person's typing is forwarded for on one image: one a second is live enough. */
  TYPING_MIN_INTERVAL_MS: 1_000,
  /** How long a client shows "is typing" without a renewal: several missed throttled signals, so a pause in typing does not flicker. */
  TYPING_EXPIRES_MS: 5_000,
  /** Many nodes: how often a node republishes its local viewers of an image it holds viewers of, so others know it is alive. */
  PRESENCE_HEARTBEAT_MS: 5_000,
  /**
   * Many nodes: how long a node's viewers are kept without a heartbeat from it: three heartbeats, so one lost
   * publish never makes people blink out, and a dead node's people disappear within 15 s.
   */
  PRESENCE_EXPIRY_MS: 15_000,
  /**
   * Local viewers of one image past which a change of the count alone waits longer than PRESENCE_FLUSH_MS: below
   * a few hundred a quarter-second frame to each is cheap, above it a crowd arriving would cost every viewer four
   * frames a second (issue 14's idle memory and connect time). Joined/left of listed people and typing never wait.
   */
  PRESENCE_CROWD_VIEWERS: 200,
  /**
   * The longest a count-only change of a crowded image waits: the wait grows with the audience (PRESENCE_FLUSH_MS
   * per PRESENCE_CROWD_VIEWERS local viewers, so a node sends about the same number of count frames a second
   * whatever the crowd), up to this; three seconds still reads as live for "1,204 viewing".
   */
  PRESENCE_CROWD_FLUSH_MS: 3_000,
  /**
   * People (with ids) one node lists in its presence state of one image on the bus; those past it are sent as a
   * number. A thousand ids is ~50 KB per state; ten thousand guests would make every change and heartbeat half a
   * megabyte. Counting stays exact unless one person is among the unlisted on one node and present on another.
   */
  PRESENCE_STATE_PEOPLE_MAX: 1_000,
} as const;

export type Limits = { -readonly [K in keyof typeof LIMITS]: number };
