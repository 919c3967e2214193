/**
 * The server's logger: pino, JSON lines on stdout, level from LOG_LEVEL. `LOG_FORMAT=pretty` prints coloured
 * lines for people (pino-pretty, a development dependency: not in a production install, where JSON is what log
 * collectors read).
 *
 * What is logged never holds user text (comments, names) or secrets (API secrets, SSO payloads, session tokens):
 * only ids, codes, counts and addresses. docs/operating.md#logs lists the lines.
 */
import pino, { type Logger } from 'pino';

export type LogFormat = 'json' | 'pretty';

export function createLogger(level: string, format: LogFormat = 'json'): Logger {
  const options = { level, base: { service: 'image-chat' } };
  if (format === 'json') {
    const destination = pino.destination({ dest: 1, sync: true });
    // Whoever read stdout is gone (a closed pipe): logging stops. Without this, the flush at exit retries the
    // write forever and a node told to stop with SIGTERM never exits (test/integration/startup.test.ts).
    let gone = false;
    destination.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE' || gone) return;
      gone = true;
      destination.destroy();
    });
    return pino(options, destination);
  }
  return pino({ ...options, transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service' } } });
}
