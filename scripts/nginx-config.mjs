#!/usr/bin/env node
/**
 * Writes a private nginx's configuration for a cluster on this machine: deploy/nginx/image-chat.conf.template
 * (the one compose.yaml's nginx uses) rendered for nodes on 127.0.0.1, inside a small main configuration that
 * keeps every file nginx writes (pid, logs, temp files) in one directory. Used by `scripts/cluster start
 * --proxy nginx` and the tests' nginx helper (test/helpers/nginx.ts).
 *
 *   node scripts/nginx-config.mjs DIR LISTEN_PORT NODE_PORT NODE_PORT NODE_PORT   prints DIR/nginx.conf
 *   nginx -p DIR -c DIR/nginx.conf -e DIR/error.log -g 'daemon off;'
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const TEMPLATE = fileURLToPath(new URL('../deploy/nginx/image-chat.conf.template', import.meta.url));
const NODE_COUNT = 3;

/**
 * Fills in `${IMAGE_CHAT_…}` placeholders the way the nginx image's envsubst does with
 * NGINX_ENVSUBST_FILTER=IMAGE_CHAT_, and refuses to leave one unfilled (nginx would start with it verbatim).
 * @example
 * renderTemplate('listen ${IMAGE_CHAT_LISTEN};', { IMAGE_CHAT_LISTEN: '8080' }); // 'listen 8080;'
 */
export function renderTemplate(text, values) {
  return text.replace(/\$\{(IMAGE_CHAT_[A-Z0-9_]+)\}/g, (_, name) => {
    if (!(name in values)) throw new Error(`no value for \${${name}} in ${TEMPLATE}`);
    return values[name];
  });
}

/**
 * Writes DIR/image-chat.conf (the rendered template) and DIR/nginx.conf (the main configuration that includes
 * it); returns the path of the main one.
 * @param {{ dir: string, listenPort: number, nodePorts: number[] }} options
 */
export function writeNginxConfig({ dir, listenPort, nodePorts }) {
  if (nodePorts.length !== NODE_COUNT) throw new Error(`the template names ${NODE_COUNT} nodes, got ${nodePorts.length}`);
  const root = resolve(dir);
  mkdirSync(root, { recursive: true });
  // Run as root, nginx's workers run as nobody: they must reach the directory and write their temp files.
  chmodSync(root, 0o755);
  mkdirSync(`${root}/temp`, { recursive: true });
  chmodSync(`${root}/temp`, 0o1777);
  const values = {
    IMAGE_CHAT_LISTEN: `127.0.0.1:${listenPort}`,
    IMAGE_CHAT_ACCESS_LOG: `${root}/access.log`,
    ...Object.fromEntries(nodePorts.map((port, i) => [`IMAGE_CHAT_NODE_${i + 1}`, `127.0.0.1:${port}`])),
  };
  writeFileSync(`${root}/image-chat.conf`, renderTemplate(readFileSync(TEMPLATE, 'utf8'), values));
  writeFileSync(`${root}/nginx.conf`, `# Written by scripts/nginx-config.mjs; the site is ${TEMPLATE} rendered.
worker_processes 1;
pid ${root}/nginx.pid;
error_log ${root}/error.log warn;
events { worker_connections 4096; }
http {
    client_body_temp_path ${root}/temp/client_body;
    proxy_temp_path ${root}/temp/proxy;
    fastcgi_temp_path ${root}/temp/fastcgi;
    uwsgi_temp_path ${root}/temp/uwsgi;
    scgi_temp_path ${root}/temp/scgi;
    include ${root}/image-chat.conf;
}
`);
  return `${root}/nginx.conf`;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [dir, listenPort, ...nodePorts] = process.argv.slice(2);
  const ports = [listenPort, ...nodePorts].map(Number);
  if (!dir || ports.some((p) => !Number.isInteger(p) || p <= 0)) {
    console.error('usage: nginx-config.mjs DIR LISTEN_PORT NODE_PORT NODE_PORT NODE_PORT');
    process.exit(2);
  }
  console.log(writeNginxConfig({ dir, listenPort: ports[0], nodePorts: ports.slice(1) }));
}
