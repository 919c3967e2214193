import { Writable } from 'node:stream';
import pino from 'pino';
import { expect, test } from 'vitest';
import { throttledLog } from '../../server/log-throttle.js';

test('a throttled line is written at once, then at most once per interval with the count held back', () => {
  const lines: { msg: string; times: number; level: number }[] = [];
  const sink = new Writable({ write(chunk, _encoding, done) { lines.push(JSON.parse(String(chunk))); done(); } });
  let now = 0;
  const failed = throttledLog(pino(sink), 'error', 'handler failed', 10_000, () => now);
  for (let i = 0; i < 1000; i += 1) failed({ i });
  expect(lines).toHaveLength(1);
  now = 9_999;
  failed({});
  expect(lines).toHaveLength(1);
  now = 10_000;
  failed({});
  expect(lines.map((l) => [l.msg, l.times, l.level])).toEqual([['handler failed', 1, 50], ['handler failed', 1001, 50]]);
});
