/**
 * The HTTP fuzzer: a real node in a child process (so a crash is seen, not hidden by the test process) and a few
 * thousand seeded hostile raw requests against every route, each on its own TCP connection (test/fuzz/http-requests.ts).
 *
 * Asserted: the process never exits and logs no error; every byte that comes back is a sequence of well-formed
 * HTTP/1.1 responses (`HTTP/1.1 NNN reason`, headers, a body as long as it says), none of them 5xx; no request
 * hangs; a connection closed without any answer is allowed only for bytes Node's own HTTP parser rejects (checked
 * against a bare `http.createServer` in this process); and /healthz answers 200 at the end.
 *
 * Replay a run: `FUZZ_SEED=123 npx vitest run test/fuzz/http-fuzz.test.ts` (the seed is in every failure);
 * `FUZZ_COUNT` changes how many requests are sent.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { randomInt } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { openStore } from '../../server/store/open.js';
import { hashTenantSecret, newTenantSecret } from '../../server/auth/tenant-secret.js';
import { startNodeProcess, type NodeProcess } from '../helpers/node-process.js';
import { makeTempDir, removeDir } from '../helpers/server.js';
import { exchange, parseResponses, type Exchange } from '../helpers/raw-http.js';
import { seededRandom } from '../helpers/seeded-random.js';
import { hostileRequest, type FuzzRequest } from './http-requests.js';

const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : randomInt(2 ** 31);
const COUNT = process.env.FUZZ_COUNT ? Number(process.env.FUZZ_COUNT) : 3000;
/** Connections in flight at once: enough to overlap requests, few enough for a 2-core machine. */
const CONCURRENCY = 16;
/** The whole run must end well inside the test's timeout; it usually takes a fraction of this. */
const BUDGET_MS = 40_000;

const why = (what: string): string => `${what} (replay: FUZZ_SEED=${SEED} FUZZ_COUNT=${COUNT})`;

let node: NodeProcess;
let dataDir: string;
let secret: string;
/** Node's parser with nothing around it: the oracle for "this input is not HTTP". */
let bare: Server;
let bareRejected = 0;

beforeAll(async () => {
  dataDir = makeTempDir('image-chat-http-fuzz-');
  const databaseUrl = `sqlite:${join(dataDir, 'fuzz.db')}`;
  // A tenant whose API secret the fuzzer knows, so the authorized paths of the REST API are reached too.
  secret = newTenantSecret();
  const store = await openStore(databaseUrl, 100);
  await store.init();
  await store.createTenant({ id: 'fuzz', name: 'Fuzz', origins: ['https://fuzz.example'], secretHash: hashTenantSecret(secret) });
  await store.close();
  node = await startNodeProcess({
    DATABASE_URL: databaseUrl,
    // Every upgrade comes from this one address: let admission accept them, so the WebSocket path runs in full.
    MAX_CONNECTIONS_PER_IP: '100000', CONNECTION_BURST_PER_IP: '100000', CONNECTION_RATE_PER_IP: '1000000', MAX_TCP_CONNECTIONS_PER_IP: '100000',
  });
  bare = createServer((_request, response) => response.end());
  bare.on('clientError', (_error, socket) => {
    bareRejected += 1;
    socket.destroy();
  });
  await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
}, 60_000);

afterAll(async () => {
  await node?.stop();
  bare?.close();
  if (dataDir) removeDir(dataDir);
});

const alive = (): boolean => node.child.exitCode === null && node.child.signalCode === null;
const show = (bytes: Buffer, length = 240): string => JSON.stringify(bytes.subarray(0, length).toString('latin1'));

/** What is wrong with one answer, or undefined. A silent close is judged later, against the bare parser. */
function judge(request: FuzzRequest, answer: Exchange): string | undefined {
  if (answer.timedOut) return 'no answer and no close within 5 s';
  if (answer.bytes.length === 0) return undefined;
  const parsed = parseResponses(answer.bytes, { head: request.head });
  if (parsed.problem) return `malformed answer: ${parsed.problem}`;
  const failed = parsed.responses.find((response) => response.status >= 500);
  if (failed) return `answered ${failed.status} ${failed.reason}`;
  return undefined;
}

/** Whether Node's parser, on a server with no code of ours, rejects these bytes. */
async function parserRejects(request: FuzzRequest): Promise<boolean> {
  const before = bareRejected;
  await exchange((bare.address() as AddressInfo).port, request.bytes, { head: request.head });
  return bareRejected > before;
}

test(`${COUNT} hostile HTTP requests: the node lives and every answer is well-formed HTTP/1.1, never 5xx`, async () => {
  const random = seededRandom(SEED);
  const requests = Array.from({ length: COUNT }, () => hostileRequest(random, { tenantId: 'fuzz', secret }));
  const answers: Exchange[] = [];
  const started = Date.now();
  let next = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < requests.length && alive() && Date.now() - started < BUDGET_MS) {
      const index = next++;
      const request = requests[index]!;
      answers[index] = await exchange(node.port, request.bytes, { head: request.head });
    }
  }));
  const elapsed = Date.now() - started;

  expect(alive(), why(`the node exited (${node.child.exitCode ?? node.child.signalCode}) during the run:\n${node.output().slice(-3000)}`)).toBe(true);
  expect(answers.filter(Boolean).length, why(`only ${answers.length} of ${COUNT} requests were sent in ${BUDGET_MS} ms`)).toBe(COUNT);

  const failures: string[] = [];
  const statuses = new Map<number, number>();
  let silent = 0;
  for (const [index, request] of requests.entries()) {
    const answer = answers[index]!;
    const problem = judge(request, answer);
    if (problem) failures.push(`#${index} (${request.kind}): ${problem}\n  sent ${show(request.bytes)}\n  got  ${show(answer.bytes, 400)}`);
    for (const response of parseResponses(answer.bytes, { head: request.head }).responses) statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
    if (answer.bytes.length > 0 || answer.timedOut) continue;
    silent += 1;
    if (!(await parserRejects(request))) failures.push(`#${index} (${request.kind}): closed without an answer, though Node's parser takes it\n  sent ${show(request.bytes)}`);
  }
  console.log(`http fuzz: ${COUNT} requests in ${elapsed} ms (seed ${SEED}); statuses ${JSON.stringify(Object.fromEntries([...statuses].sort(([a], [b]) => a - b)))}; ${silent} closed without an answer`);
  expect(failures.slice(0, 10), why(`${failures.length} of ${COUNT} answers are wrong`)).toEqual([]);

  expect(alive(), why('the node exited after the run')).toBe(true);
  expect((await fetch(`${node.url}/healthz`)).status, why('/healthz after the run')).toBe(200);
  const errors = node.output().split('\n').filter((line) => /"level":(50|60)/.test(line));
  expect(errors.slice(0, 5), why('the node logged errors')).toEqual([]);
}, 90_000);
