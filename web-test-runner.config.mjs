/**
 * Browser tests of the widget (`npm run test:browser`): @web/test-runner in Debian's Chromium, against the real
 * image-chat server, which the plugin below builds and starts (from dist/) and which tests can
 * stop, start, and write to while it is away, through `executeServerCommand('image-chat-server', …)`.
 */
import { chromeLauncher } from '@web/test-runner-chrome';
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { ServerProcess, ensureBuilt, writeWhileAway } from './test/helpers/server-process.mjs';

const CHROMIUM_ARGS = [
  '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
  '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic',
];

/** Limits for the test server: fast writes (200 markers in one test), and short threads to provoke an error. */
const SERVER_ENV = {
  WRITE_RATE_PER_SECOND: '1000', WRITE_BURST: '1000', FRAME_RATE_PER_SECOND: '2000', FRAME_BURST: '2000',
  MAX_COMMENTS_PER_CHAT: '6',
  // Every test's sockets come from one address and one person: admission and the budgets across connections out of the way.
  PERSON_WRITES_PER_MINUTE: '1000000', IP_WRITES_PER_MINUTE: '1000000', TENANT_WRITES_PER_MINUTE: '1000000',
  MAX_CONNECTIONS_PER_IP: '10000', CONNECTION_BURST_PER_IP: '10000', CONNECTION_RATE_PER_IP: '1000000', MAX_TCP_CONNECTIONS_PER_IP: '10000', IP_TENANT_HELLOS_PER_MINUTE: '1000000',
  // One person makes all 200 markers of the render-count test.
  MAX_CHATS_PER_PERSON_PER_IMAGE: '1000',
};

function imageChatServer() {
  /** @type {ServerProcess} */
  let server;
  return {
    name: 'image-chat-server',
    async serverStart() {
      ensureBuilt();
      server = new ServerProcess({ env: SERVER_ENV });
      await server.start();
    },
    async serverStop() {
      await server.dispose();
    },
    async executeCommand({ command, payload }) {
      if (command !== 'image-chat-server') return undefined;
      switch (payload?.action) {
        case 'info':
          return { url: server.url };
        case 'stop':
          await server.stop();
          return { url: server.url };
        case 'start':
          await server.start();
          return { url: server.url };
        case 'write-while-away':
          return { answers: await writeWhileAway(server, payload.writes) };
        case 'sso': {
          // A demo user signed by the server for the demo tenant (GET /demo/sso).
          const response = await fetch(`${server.url}/demo/sso?user=${encodeURIComponent(payload.user)}`);
          if (!response.ok) throw new Error(`GET /demo/sso?user=${payload.user}: ${response.status} ${await response.text()}`);
          return response.json();
        }
        case 'rules': {
          // The demo tenant's rules, changed as a site owner would: the REST API with the tenant's secret.
          const secret = server.demoSecret ?? /secret (\S+)\)/.exec(server.log)?.[1];
          const response = await fetch(`${server.url}/api/v1/tenants/demo/rules`, {
            method: 'PUT', headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' }, body: JSON.stringify(payload.rules),
          });
          if (!response.ok) throw new Error(`PUT /api/v1/tenants/demo/rules: ${response.status} ${await response.text()}`);
          return response.json();
        }
        default:
          throw new Error(`unknown image-chat-server action ${JSON.stringify(payload)}`);
      }
    },
  };
}

export default {
  files: ['test/browser/**/*.test.ts'],
  nodeResolve: true,
  // One page at a time: some tests stop and restart the shared server.
  concurrency: 1,
  browsers: [chromeLauncher({ launchOptions: { executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS } })],
  plugins: [esbuildPlugin({ ts: true, target: 'es2022', tsconfig: 'tsconfig.json' }), imageChatServer()],
  testFramework: { config: { timeout: 60_000 } },
  testsFinishTimeout: 600_000,
  browserStartTimeout: 120_000,
};
