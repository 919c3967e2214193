/**
 * The widget's typing signals (widget/typing-sender.ts) and the sentences that show them (widget/i18n.ts), on
 * vitest's fake clock: at most one signal a second (input held back by the interval is signalled after it), only
 * with someone else here, `stopped` exactly when a signal was sent.
 */
import { afterEach, beforeEach, expect, test, vi } from 'vitest';
import { LIMITS } from '../../shared/index.js';
import { TypingSender } from '../../widget/typing-sender.js';
import { stringsFor } from '../../widget/i18n.js';

const INTERVAL = LIMITS.TYPING_MIN_INTERVAL_MS;

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

function sender(options: { othersHere?: boolean; live?: boolean } = {}) {
  const sent: [string, boolean][] = [];
  const state = { othersHere: options.othersHere ?? true, live: options.live ?? true };
  const typing = new TypingSender(
    (chatId, stopped) => {
      if (!state.live) return false;
      sent.push([chatId, stopped]);
      return true;
    },
    () => state.othersHere,
  );
  return { typing, sent, state };
}

test('typing is sent at most once per TYPING_MIN_INTERVAL_MS; input within it is signalled when it is over', () => {
  const { typing, sent } = sender();
  typing.input('c1', 'H');
  typing.input('c1', 'He');
  vi.advanceTimersByTime(INTERVAL - 1);
  typing.input('c1', 'Hel');
  expect(sent).toEqual([['c1', false]]);
  vi.advanceTimersByTime(1);
  expect(sent).toEqual([['c1', false], ['c1', false]]);
  // No input since: nothing more is sent.
  vi.advanceTimersByTime(10 * INTERVAL);
  expect(sent).toHaveLength(2);
});

test('stopped is sent on submit, on clearing the box, and when the thread closes, only after a typing signal', () => {
  const { typing, sent } = sender();
  typing.stop();
  typing.input('c1', '   ');
  expect(sent).toEqual([]);
  typing.input('c1', 'Hi');
  typing.input('c1', '');
  expect(sent).toEqual([['c1', false], ['c1', true]]);
  vi.advanceTimersByTime(5_000);
  typing.input('c1', 'Again');
  typing.stop(); // the reply was sent
  typing.stop();
  expect(sent.slice(2)).toEqual([['c1', false], ['c1', true]]);
  vi.advanceTimersByTime(5_000);
  typing.input('c1', 'Third');
  typing.follow('c1'); // the same thread is still open
  typing.follow(null); // the thread closed
  expect(sent.slice(4)).toEqual([['c1', false], ['c1', true]]);
});

test('a reply begun right after sending the last is signalled after the interval, unless the reader stopped', () => {
  const { typing, sent } = sender();
  typing.input('c1', 'First');
  typing.stop(); // sent
  typing.input('c1', 'Sec');
  expect(sent).toEqual([['c1', false], ['c1', true]]);
  vi.advanceTimersByTime(INTERVAL);
  expect(sent).toEqual([['c1', false], ['c1', true], ['c1', false]]);
  typing.stop();
  vi.advanceTimersByTime(INTERVAL / 2);
  typing.input('c1', 'Thi');
  typing.input('c1', ''); // cleared before the interval was over: nothing held back is sent
  vi.advanceTimersByTime(10 * INTERVAL);
  expect(sent).toEqual([['c1', false], ['c1', true], ['c1', false], ['c1', true]]);
});

test('moving to another thread stops the first; nothing is sent with nobody else here, or while offline', () => {
  const { typing, sent } = sender();
  typing.input('c1', 'a');
  vi.advanceTimersByTime(2_000);
  typing.input('c2', 'b');
  expect(sent).toEqual([['c1', false], ['c1', true], ['c2', false]]);

  const alone = sender({ othersHere: false });
  alone.typing.input('c1', 'a');
  alone.typing.stop();
  expect(alone.sent).toEqual([]);

  const offline = sender({ live: false });
  offline.typing.input('c1', 'a');
  offline.state.live = true;
  offline.typing.input('c1', 'ab'); // the unsent signal did not start the interval
  expect(offline.sent).toEqual([['c1', false]]);
});

test('typing sentences in English and Dutch', () => {
  const en = stringsFor('en');
  const nl = stringsFor('nl');
  expect(en.typing([])).toBe('');
  expect(en.typing(['Ann'])).toBe('Ann is typing…');
  expect(en.typing([undefined])).toBe('Someone is typing…');
  expect(en.typing(['Ann', 'Bob'])).toBe('Ann and Bob are typing…');
  expect(en.typing(['Ann', undefined])).toBe('2 people are typing…');
  expect(en.typing(['Ann', 'Bob', 'Cas'])).toBe('3 people are typing…');
  expect(nl.typing(['Ann'])).toBe('Ann typt…');
  expect(nl.typing([undefined])).toBe('Iemand typt…');
  expect(nl.typing(['Ann', 'Bob'])).toBe('Ann en Bob typen…');
  expect(nl.typing(['Ann', 'Bob', 'Cas'])).toBe('3 mensen typen…');
  expect(en.viewing(3)).toBe('3 viewing');
  expect(nl.viewing(3)).toBe('3 kijken mee');
  expect(en.moreViewers(1)).toBe('1 more person');
  expect(nl.moreViewers(2)).toBe('nog 2 personen');
});
