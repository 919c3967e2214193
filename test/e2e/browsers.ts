/**
 * What the end-to-end tests share: Debian's Chromium launched the one way that works here, and the dashboard
 * tests' stage (the real server process, the dashboard in one browser context and /demo in another).
 */
import { chromium, type Browser, type Page } from 'playwright-core';
import { ServerProcess } from '../helpers/server-process.mjs';

const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'];

/** Debian's Chromium (package chromium). */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Debian's Chromium, headless (Playwright sets that itself; it cannot download browsers here). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
}

export interface DashboardStage {
  server: ServerProcess;
  browser: Browser;
  dashboard: Page;
  demo: Page;
  /** The demo tenant's API secret, as the server printed it. */
  secret: string;
  close(): Promise<void>;
}

/** Starts a server with `env`, opens /demo in one context and a blank page for the dashboard in another. */
export async function startDashboardStage(env: Record<string, string> = {}): Promise<DashboardStage> {
  const server = new ServerProcess({ env });
  await server.start();
  const printed = /secret (ics_[A-Za-z0-9_-]+)/.exec(server.log);
  if (!printed?.[1]) throw new Error(`the server did not print the demo secret:\n${server.log}`);
  const browser = await launchChromium();
  const dashboard = await (await browser.newContext({ viewport: { width: 1280, height: 1000 } })).newPage();
  const demo = await (await browser.newContext({ viewport: { width: 1100, height: 900 } })).newPage();
  await demo.goto(`${server.url}/demo`);
  return {
    server, browser, dashboard, demo, secret: printed[1],
    close: async () => {
      await browser.close();
      await server.dispose();
    },
  };
}
