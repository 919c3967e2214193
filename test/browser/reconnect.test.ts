/** The server goes away: the offline notice, writes refused, threads still readable; then a restart and catch-up. */
import type { ClientMessage, ServerMessage } from '../../shared/index.js';
import { pageSockets } from '../../widget/shared-sockets.js';
import {
  assert, assertEqual, clickImageAt, markerButton, markers, mount, otherClient, serverUrl, settled, startServer,
  stopServer, submitComposer, thread, threadTexts, uniqueId, unmountAll, waitFor, writeWhileAway,
} from './helpers.js';

afterEach(() => unmountAll());
after(async () => { await startServer(); });

it('shows it is offline, keeps markers readable, refuses a write with a notice, and catches up after a restart', async () => {
  const server = await serverUrl();
  const sent: ClientMessage[] = [];
  const received: ServerMessage[] = [];
  pageSockets.acquireConnection(server, {
    maxDelayMs: 2000,
    trace: (direction, frame) => { if (direction === 'out') sent.push(frame as ClientMessage); else received.push(frame as ServerMessage); },
  });
  const urlId = uniqueId('restart');
  const element = await mount({ server, 'url-id': urlId });
  const other = await otherClient(server, urlId);
  const { chatId } = await other.store.createChat(0.3, 0.3, 'before the outage');
  other.connection.close();
  await waitFor(() => element.store!.seq === 1, 'the marker');
  const epoch = element.store!.epoch;

  await stopServer();
  const status = () => element.shadowRoot!.querySelector<HTMLElement>('[part="status"]')!;
  await waitFor(() => status().dataset.state === 'offline', 'the offline status');
  await settled(element);
  assertEqual(status().textContent?.trim(), 'Offline', 'status text');

  // Reading still works.
  markerButton(element, chatId)!.click();
  await settled(element);
  assertEqual(threadTexts(element), ['before the outage'], 'the thread stays readable');
  thread(element)!.shadowRoot!.querySelector<HTMLButtonElement>('[data-action="close"]')!.click();
  await settled(element);

  // Writing does not: refused at once, with a notice, nothing queued.
  clickImageAt(element, 0.7, 0.7);
  await submitComposer(element, 'written while offline');
  await waitFor(() => element.shadowRoot!.querySelector('[part="notice"]') !== null, 'the notice');
  assert(element.shadowRoot!.querySelector('[part="notice"]')!.textContent!.startsWith('You are offline'), 'the notice says why');
  assertEqual(markers(element).length, 1, 'no marker was added');
  assertEqual(element.store!.chats.length, 1, 'nothing pending');

  // Someone else writes while this page is away; then the server comes back on the same port.
  const answers = await writeWhileAway([{ type: 'add-comment', tenantId: 'demo', urlId, chatId, text: 'while you were away' }]);
  assertEqual(answers.map((a) => a.type), ['ack'], 'the write during the outage was stored');
  await startServer();
  await waitFor(() => status().dataset.state === 'live' && element.store!.seq === 2, 'live again, caught up', 30_000);
  const subscribe = sent.filter((m) => m.type === 'subscribe').at(-1);
  assertEqual(subscribe, { type: 'subscribe', tenantId: 'demo', urlId, since: 1, epoch }, 'resubscribed with since and epoch');
  const answer = received.filter((m) => m.type === 'subscribed').at(-1);
  assert(answer?.type === 'subscribed' && answer.reset === false && answer.events.length === 1, 'only the missed event was replayed');
  markerButton(element, chatId)!.click();
  await settled(element);
  assertEqual(threadTexts(element), ['before the outage', 'while you were away'], 'the missed event is applied');

  // And writing works again.
  thread(element)!.shadowRoot!.querySelector<HTMLButtonElement>('[data-action="close"]')!.click();
  clickImageAt(element, 0.7, 0.7);
  await submitComposer(element, 'back online');
  await waitFor(() => element.store!.seq === 3, 'the new marker');
});

it('follows the browser going offline and online', async () => {
  const server = await serverUrl();
  const element = await mount({ server, 'url-id': uniqueId('network') });
  const status = () => element.shadowRoot!.querySelector<HTMLElement>('[part="status"]')!.dataset.state;
  window.dispatchEvent(new Event('offline'));
  await element.updateComplete;
  assertEqual(status(), 'offline', 'offline at once');
  clickImageAt(element, 0.5, 0.5);
  await submitComposer(element, 'no network');
  await waitFor(() => element.shadowRoot!.querySelector('[part="notice"]') !== null, 'the notice');
  window.dispatchEvent(new Event('online'));
  await waitFor(() => status() === 'live', 'live again');
});
