/** Shared helpers of the widget's browser tests: the real server, mounting, waiting and asserting. */
import { executeServerCommand } from '@web/test-runner-commands';
import { v4 as uuid } from 'uuid';
import '../../widget/index.js';
import type { ImageChat } from '../../widget/image-chat.js';
import type { ChatMarker } from '../../widget/chat-marker.js';
import type { ChatThread } from '../../widget/chat-thread.js';
import { WidgetConnection } from '../../widget/connection.js';
import { ImageStore } from '../../widget/store.js';
import { socketUrl } from '../../widget/server-url.js';

export type ServerAnswer = { url: string };

/** The base URL of the image-chat server the test run started. */
export async function serverUrl(): Promise<string> {
  return (await executeServerCommand<ServerAnswer, { action: string }>('image-chat-server', { action: 'info' })).url;
}

export async function stopServer(): Promise<void> {
  await executeServerCommand('image-chat-server', { action: 'stop' });
}

export async function startServer(): Promise<void> {
  await executeServerCommand('image-chat-server', { action: 'start' });
}

/** Writes through a second server process while the main one is stopped; returns the acks. */
export async function writeWhileAway(writes: Record<string, unknown>[]): Promise<{ type: string; seq?: number }[]> {
  const result = await executeServerCommand<{ answers: { type: string; seq?: number }[] }, object>('image-chat-server', { action: 'write-while-away', writes });
  return result.answers;
}

export const uniqueId = (prefix: string): string => `${prefix}-${uuid()}`;

/** A 400×300 test picture. */
export const TEST_IMAGE = `data:image/svg+xml,${encodeURIComponent('<svg xmlns="http://www.w3.org/2000/svg" width="400" height="300"><rect width="400" height="300" fill="#9cc"/><circle cx="200" cy="150" r="80" fill="#369"/></svg>')}`;

export async function waitFor(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`assertion failed: ${message}`);
}

/** Deep equality for data (by JSON), identity for DOM nodes. */
export function assertEqual<T>(actual: T, expected: T, message: string): void {
  if (Object.is(actual, expected)) return;
  if (actual instanceof Node || expected instanceof Node) throw new Error(`${message}: expected ${String(expected)}, got ${String(actual)}`);
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${message}: expected ${e}, got ${a}`);
}

/** Mounts an `<image-chat>` in the page and waits until it is live and has its image's state. */
export async function mount(attributes: Record<string, string>): Promise<ImageChat> {
  const element = document.createElement('image-chat');
  for (const [name, value] of Object.entries({ 'tenant-id': 'demo', src: TEST_IMAGE, alt: 'test picture', ...attributes })) element.setAttribute(name, value);
  document.body.append(element);
  await element.updateComplete;
  await waitFor(() => element.connectionState === 'live' && element.store?.ready === true, 'the widget to be live');
  await waitFor(() => (element.shadowRoot?.querySelector('img')?.naturalWidth ?? 0) > 0, 'the image to load');
  return element;
}

/** Removes every widget the test mounted. */
export function unmountAll(): void {
  for (const element of document.querySelectorAll('image-chat')) element.remove();
}

export function markers(element: ImageChat): ChatMarker[] {
  return [...element.shadowRoot!.querySelectorAll('chat-marker')];
}

export function marker(element: ImageChat, chatId: string): ChatMarker | null {
  return element.shadowRoot!.querySelector<ChatMarker>(`chat-marker[data-chat-id="${chatId}"]`);
}

export function markerButton(element: ImageChat, chatId: string): HTMLButtonElement | null {
  return marker(element, chatId)?.shadowRoot?.querySelector('button') ?? null;
}

export function thread(element: ImageChat): ChatThread | null {
  return element.shadowRoot!.querySelector('chat-thread');
}

/** Texts of the comments in the open thread. */
export function threadTexts(element: ImageChat): string[] {
  return [...(thread(element)?.shadowRoot?.querySelectorAll('.text') ?? [])].map((p) => p.textContent ?? '');
}

/** Waits until the element and its markers and thread have rendered. */
export async function settled(element: ImageChat): Promise<void> {
  await element.updateComplete;
  await Promise.all(markers(element).map((m) => m.updateComplete));
  await thread(element)?.updateComplete;
}

/** Another client of the same server, on its own socket (another tab or device). */
export async function otherClient(server: string, urlId: string, name = 'Other'): Promise<{ connection: WidgetConnection; store: ImageStore }> {
  const connection = new WidgetConnection({ url: socketUrl(server), name });
  connection.connect();
  const store = new ImageStore(connection, { tenantId: 'demo', urlId });
  store.open();
  await waitFor(() => connection.state === 'live' && store.ready, 'the other client');
  return { connection, store };
}

/** Clicks the image at (x, y), relative, as a pointer would. */
export function clickImageAt(element: ImageChat, x: number, y: number): void {
  const layer = element.shadowRoot!.querySelector<HTMLElement>('.layer')!;
  const box = layer.getBoundingClientRect();
  layer.dispatchEvent(new MouseEvent('click', { bubbles: true, composed: true, clientX: box.left + x * box.width, clientY: box.top + y * box.height }));
}

/** Fills the open new-marker composer and submits it. */
export async function submitComposer(element: ImageChat, text: string): Promise<void> {
  await element.updateComplete;
  const form = element.shadowRoot!.querySelector<HTMLFormElement>('form[part~="composer"]');
  assert(form, 'the composer is open');
  form.querySelector('textarea')!.value = text;
  form.requestSubmit();
}
