/**
 * Production starts closed: `NODE_ENV=production` (the Docker image sets it) means no demo tenant (so no `/demo`
 * pages either) and no source maps unless asked; the demo tenant, when on, says so in the log at start.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { ConfigError, loadConfig } from '../../server/config.js';
import { makeTempDir, removeDir } from '../helpers/server.js';
import { startNodeProcess } from '../helpers/node-process.js';
import { TestClient } from '../helpers/ws-client.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

describe('configuration', () => {
  test('outside production the demo tenant and source maps are on', () => {
    expect(loadConfig({})).toMatchObject({ production: false, demoTenant: true, serveSourceMaps: true, trustedProxies: [] });
  });

  test('under NODE_ENV=production both are off unless asked', () => {
    expect(loadConfig({ NODE_ENV: 'production' })).toMatchObject({ production: true, demoTenant: false, serveSourceMaps: false });
    expect(loadConfig({ NODE_ENV: 'production', DEMO_TENANT: 'on', SERVE_SOURCE_MAPS: 'on' })).toMatchObject({ demoTenant: true, serveSourceMaps: true });
  });

  test('a switch that is neither on nor off stops the start, naming the variable', () => {
    expect(() => loadConfig({ DEMO_TENANT: 'maybe' })).toThrow(new ConfigError('DEMO_TENANT must be "on" or "off", got "maybe"'));
  });

  test('TRUST_PROXY takes addresses and CIDR ranges, and refuses anything else', () => {
    expect(loadConfig({ TRUST_PROXY: '127.0.0.1, 10.0.0.0/8,::1,fd00::/8' }).trustedProxies).toEqual(['127.0.0.1', '10.0.0.0/8', '::1', 'fd00::/8']);
    expect(() => loadConfig({ TRUST_PROXY: 'nginx' })).toThrow(/TRUST_PROXY must list IP addresses or CIDR ranges.*"nginx"/);
    expect(() => loadConfig({ TRUST_PROXY: '10.0.0.0/33' })).toThrow(/TRUST_PROXY/);
  });

  test('the Docker image runs in production mode', () => {
    expect(readFileSync('Dockerfile', 'utf8')).toMatch(/^ENV NODE_ENV=production\b/m);
  });
});

describe('a node started as an operator starts it', () => {
  const start = async (env: Record<string, string>) => {
    const dir = makeTempDir();
    dirs.push(dir);
    return startNodeProcess({ DATABASE_URL: `sqlite:${join(dir, 'prod.db')}`, ...env });
  };

  test('in production the demo tenant does not exist, and the log says nothing of it', async () => {
    const node = await start({ NODE_ENV: 'production' });
    try {
      const client = await TestClient.connect(node.wsUrl);
      expect(await client.subscribe('demo', 'img')).toMatchObject({ type: 'error', code: 'forbidden', for: 'subscribe' });
      client.close();
      expect(node.output()).not.toContain('demo tenant');
      // The demo pages talk to the demo tenant only: without it they are not served, however they are asked for.
      for (const path of ['/demo', '/demo/', '/demo/index.html', '/demo/classic.html', '//demo/classic.js', '/widget.js/../demo/floor-plan.svg', '/%64emo/classic.html']) {
        const response = await fetch(`${node.url}${path}`, { redirect: 'manual' });
        expect(`${path} ${response.status}`).toBe(`${path} 404`);
      }
      const home = await fetch(`${node.url}/`, { redirect: 'manual' });
      expect([home.status, home.headers.get('location')]).toEqual([302, '/dashboard']);
      expect((await fetch(`${node.url}/widget.js`)).status).toBe(200);
      expect((await fetch(`${node.url}/dashboard`)).status).toBe(200);
    } finally {
      await node.stop();
    }
  });

  test('with the demo tenant on, the start is logged as a warning', async () => {
    const node = await start({ NODE_ENV: 'production', DEMO_TENANT: 'on' });
    try {
      const line = node.output().split('\n').find((entry) => entry.includes('the demo tenant is on'));
      expect(line && (JSON.parse(line) as { level: number }).level).toBe(40);
      const client = await TestClient.connect(node.wsUrl);
      expect(await client.subscribe('demo', 'img')).toMatchObject({ type: 'subscribed', seq: 0 });
      client.close();
      expect((await fetch(`${node.url}/demo`)).status).toBe(200);
      expect((await fetch(`${node.url}/demo/classic.html`)).status).toBe(200);
      const home = await fetch(`${node.url}/`, { redirect: 'manual' });
      expect(home.headers.get('location')).toBe('/demo');
    } finally {
      await node.stop();
    }
  });
});
