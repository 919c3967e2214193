/**
 * The client's side of the heartbeat: an app-level `ping` every interval, and notice of a server that has sent
 * nothing at all for two intervals (a half-open socket the browser would not report for minutes).
 */

/**
 * @example
 * const heartbeat = new Heartbeat(15_000);
 * heartbeat.start(() => send({ type: 'ping' }), () => disconnect('the server stopped answering'));
 * socket.onmessage = () => heartbeat.heard();
 */
export class Heartbeat {
  readonly #intervalMs: number;
  #timer: ReturnType<typeof setInterval> | null = null;
  #lastFrameAt = 0;

  constructor(intervalMs: number) {
    this.#intervalMs = intervalMs;
  }

  /** Something arrived from the server (or a socket opened): it is alive. */
  heard(): void {
    this.#lastFrameAt = Date.now();
  }

  /** Starts (again): `ping` every interval, or `silent` once nothing was heard for two intervals. */
  start(ping: () => void, silent: () => void): void {
    this.stop();
    this.heard();
    const interval = this.#intervalMs;
    this.#timer = setInterval(() => {
      if (Date.now() - this.#lastFrameAt > 2 * interval) silent();
      else ping();
    }, interval);
    // In Node, the heartbeat alone must not keep the process alive.
    const timer: unknown = this.#timer;
    if (typeof timer === 'object' && timer !== null && 'unref' in timer && typeof timer.unref === 'function') timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }
}
