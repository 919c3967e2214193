/**
 * The entry point operators run (`npm start`, the Docker image): reads the environment, starts one node,
 * and shuts it down gracefully on SIGTERM/SIGINT.
 */
import { loadConfig, ConfigError } from './config.js';
import { createLogger } from './log.js';
import { startServer } from './app.js';

/** What to tell an operator whose port cannot be had, instead of a stack trace; undefined for other failures. */
function listenRefusal(error: unknown, port: number, host: string): string | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EADDRINUSE') return `port ${port} is in use; set PORT to a free port (or stop what holds it)`;
  if (code === 'EACCES') return `port ${port} needs privileges this user lacks; set PORT to 1024 or above`;
  if (code === 'EADDRNOTAVAIL') return `HOST ${host} is not an address of this machine; set HOST (0.0.0.0 listens on all)`;
  return undefined;
}

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`image-chat: ${error.message}`);
      process.exit(2);
    }
    throw error;
  }
  let log;
  try {
    log = createLogger(config.logLevel, config.logFormat);
  } catch (error) {
    // pino-pretty is a development dependency: a production install has only JSON.
    console.error(`image-chat: LOG_FORMAT=pretty needs the development dependency pino-pretty (npm install); ${(error as Error).message}`);
    process.exit(2);
  }
  let server;
  try {
    server = await startServer(config, log);
  } catch (error) {
    const refusal = listenRefusal(error, config.port, config.host);
    if (!refusal) throw error;
    console.error(`image-chat: ${refusal}`);
    process.exit(2);
  }
  if (server.demoSecret) {
    // The demo tenant takes content from any origin: an operator must see that it is on.
    log.warn({ tenant: 'demo' }, 'the demo tenant is on: any page may store conversations here; set DEMO_TENANT=off on a public server');
  }
  log.info({ url: server.url, database: config.databaseUrl.startsWith('sqlite:') ? config.databaseUrl : 'postgres', bus: config.redisCluster ? 'redis-cluster' : config.redisUrl ? 'redis' : 'memory' }, 'image-chat listening');
  if (server.demoSecret && !config.production) {
    process.stdout.write(`\n  image-chat is running: ${server.url}/demo\n  dashboard: ${server.url}/dashboard  (tenant "demo", secret ${server.demoSecret})\n\n`);
  }

  // Logged by the server already: without a store the node only refuses, so it exits for its supervisor to restart it.
  void server.storeFailure.then(() => process.exit(1));

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'draining');
    server.close().then(
      () => { log.info('stopped'); process.exit(0); },
      (error: unknown) => { log.error({ err: error }, 'shutdown failed'); process.exit(1); },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  console.error('image-chat failed to start:', error);
  process.exit(1);
});
