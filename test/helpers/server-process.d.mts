/** Types of server-process.mjs (plain JS, so the @web/test-runner config can load it without a compiler). */
export function ensureBuilt(): void;
export class ServerProcess {
  constructor(options?: { env?: Record<string, string>; port?: number; dataDir?: string });
  readonly env: Record<string, string>;
  readonly port: number;
  readonly dataDir: string;
  readonly log: string;
  readonly url: string;
  readonly wsUrl: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  dispose(): Promise<void>;
}
export function writeWhileAway(main: ServerProcess, writes: Record<string, unknown>[]): Promise<Record<string, unknown>[]>;
