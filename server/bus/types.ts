/**
 * The bus carries stored events between nodes. In-process by default (one node); Redis pub/sub for many;
 * Redis Cluster sharded pub/sub past one Redis. All pass one contract suite (test/contract/bus.contract.ts).
 *
 * Messages are the event's JSON text, serialized once by the publisher: the receiving node sends those
 * same bytes on to its sockets.
 */

/**
 * The one receiver of everything a node's bus brings: the node registers it once at start (`server/app.ts`
 * registers the fan-out's `FanoutBusHandler`), as centrifuge's node registers itself as its broker's handler.
 */
export interface BusHandler {
  /** A message arrived on a topic this node subscribed to (its own publishes included). */
  handleBusMessage(topic: string, payload: string): void;
  /** The bus lost its connection: events published meanwhile may not arrive. */
  handleBusDown(): void;
  /** The bus is back and every topic is subscribed again; subscribers should resync. */
  handleBusUp(): void;
  /**
   * Only these topics' subscriptions were lost and are active again (their Redis Cluster shard failed over,
   * reconnected, or their slot moved to another shard); their subscribers should resync. Buses with one
   * connection never call it: they report every loss through `handleBusDown`/`handleBusUp`.
   */
  handleTopicsResubscribed?(topics: readonly string[]): void;
}

/** Drops everything: the handler of a bus before the node registers its own. */
export const IGNORING_BUS_HANDLER: BusHandler = {
  handleBusMessage() {},
  handleBusDown() {},
  handleBusUp() {},
};

/** How a message is published. */
export interface PublishOptions {
  /**
   * Worth nothing once missed (presence: the next heartbeat repeats it). A failed transient publish is not kept
   * in place of the topic's newest unsent event, which the bus republishes after an outage so that other nodes
   * see their gap.
   */
  transient?: boolean;
}

export interface Bus {
  /** Publishes to every node subscribed to `topic`, this one included. Resolves when handed to the bus. */
  publish(topic: string, payload: string, options?: PublishOptions): Promise<void>;
  /** Starts delivering `topic` to the listener. Resolves once the subscription is active. */
  subscribe(topic: string): Promise<void>;
  unsubscribe(topic: string): Promise<void>;
  /** Registers the one handler of everything this node receives (messages and the bus's ups and downs). */
  setHandler(handler: BusHandler): void;
  /** True while messages flow. */
  readonly healthy: boolean;
  /**
   * Topics with local subscribers whose subscription is lost until their shard answers again (the sharded bus:
   * one Redis Cluster master down); buses without shards leave it out. For `/metrics`.
   */
  readonly lostTopicCount?: number;
  close(): Promise<void>;
}
