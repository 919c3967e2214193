/** The server's logger: pino, JSON lines on stdout, level from LOG_LEVEL. */
import pino, { type Logger } from 'pino';

export const createLogger = (level: string): Logger => pino({ level, base: { service: 'image-chat' } });
