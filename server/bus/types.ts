/**
 * The bus carries stored events between nodes. In-process by default (one node); Redis pub/sub for many.
 * Both pass one contract suite (test/contract/bus.contract.ts).
 *
 * Messages are the event's JSON text, serialized once by the publisher: the receiving node sends those
 * same bytes on to its sockets.
 */
export type BusListener = (topic: string, payload: string) => void;

export interface BusStatusListener {
  /** The bus lost its connection: events published meanwhile may not arrive. */
  onDown(): void;
  /** The bus is back and every topic is subscribed again; subscribers should resync. */
  onUp(): void;
}

export interface Bus {
  /** Publishes to every node subscribed to `topic`, this one included. Resolves when handed to the bus. */
  publish(topic: string, payload: string): Promise<void>;
  /** Starts delivering `topic` to the listener. Resolves once the subscription is active. */
  subscribe(topic: string): Promise<void>;
  unsubscribe(topic: string): Promise<void>;
  /** The single listener for everything this node receives. */
  onMessage(listener: BusListener): void;
  onStatus(listener: BusStatusListener): void;
  /** True while messages flow. */
  readonly healthy: boolean;
  close(): Promise<void>;
}
