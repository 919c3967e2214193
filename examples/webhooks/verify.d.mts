/** Types of verify.mjs, for the test suite and TypeScript receivers. */
import type { Server } from 'node:http';
export function verifyDelivery(rawBody: string, timestampHeader: unknown, signatureHeader: unknown, secrets: string[], now?: number): boolean;
export function startReceiver(options: { port?: number; secrets: string[]; onEvent(event: unknown): void }): Server;
