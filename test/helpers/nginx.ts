/**
 * A private nginx (Debian's) in front of a test's nodes, configured from the same template as compose.yaml's
 * (deploy/nginx/image-chat.conf.template, rendered by scripts/nginx-config.mjs), on a free port. Stopped on
 * `stop()` and, as a last resort, when the process exits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeNginxConfig } from '../../scripts/nginx-config.mjs';
import { stopChild } from './child-exit.mjs';
import { freePort } from './free-port.mjs';

const NGINX_BINARY = process.env.NGINX ?? '/usr/sbin/nginx';

export interface NginxProxy {
  port: number;
  url: string;
  wsUrl: string;
  /** Lines of nginx's access log so far (each names the upstream that served the request). */
  accessLog(): string[];
  /** nginx's error log so far, for failure messages. */
  errorLog(): string;
  stop(): Promise<void>;
}

/** Starts nginx on a free port in front of nodes on 127.0.0.1 `nodePorts`; resolves once it answers. */
export async function startNginx(nodePorts: number[]): Promise<NginxProxy> {
  if (!existsSync(NGINX_BINARY)) throw new Error(`nginx not found at ${NGINX_BINARY}: apt-get install -y nginx (or set NGINX)`);
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'image-chat-nginx-'));
  const config = writeNginxConfig({ dir, listenPort: port, nodePorts });
  const read = (name: string) => (existsSync(join(dir, name)) ? readFileSync(join(dir, name), 'utf8') : '');
  const child: ChildProcess = spawn(NGINX_BINARY, ['-p', dir, '-c', config, '-e', join(dir, 'error.log'), '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  const killAtExit = () => child.kill('SIGKILL');
  process.once('exit', killAtExit);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}:\n${stderr}${read('error.log')}`);
    const up = await fetch(`${url}/lb-healthz`).then((r) => r.ok, () => false);
    if (up) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`nginx did not answer on ${url}:\n${stderr}${read('error.log')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    port,
    url,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    accessLog: () => read('access.log').split('\n').filter(Boolean),
    errorLog: () => read('error.log'),
    stop: async () => {
      process.off('exit', killAtExit);
      // SIGTERM is nginx's fast shutdown: open WebSockets are cut at once.
      await stopChild(child, 5_000);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
