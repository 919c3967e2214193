import { expect, test } from 'vitest';
import { socketUrl } from '../../widget/server-url.js';

test('a server URL becomes its WebSocket URL, keeping a path prefix', () => {
  expect(socketUrl('http://localhost:8080')).toBe('ws://localhost:8080/ws');
  expect(socketUrl('https://chat.example.com/')).toBe('wss://chat.example.com/ws');
  expect(socketUrl('https://example.com/chat/')).toBe('wss://example.com/chat/ws');
  expect(socketUrl('wss://example.com/chat/ws')).toBe('wss://example.com/chat/ws');
});
