#!/usr/bin/env node
/**
 * Makes docs/demo.png, the README's picture of /demo: starts the built server on a free port with a fresh
 * database, lets two people (two browser windows) annotate the floor plan, and photographs one window with a
 * thread open, both people in the bar and the other typing. Run `npm run build` first.  Usage: node scripts/demo-screenshot.mjs [out.png]
 */
import { chromium } from 'playwright-core';
import { ServerProcess } from '../test/helpers/server-process.mjs';

const out = process.argv[2] ?? 'docs/demo.png';
const server = new ServerProcess();
await server.start();
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
try {
  const open = async () => {
    const page = await (await browser.newContext({ viewport: { width: 1180, height: 1100 }, deviceScaleFactor: 1 })).newPage();
    await page.goto(`${server.url}/demo`);
    await page.locator('image-chat [part="status"][data-state="live"]').first().waitFor();
    return page;
  };
  const ann = await open();
  const bob = await open();
  const widget = (page) => page.locator('image-chat').first();
  const add = async (page, name, x, y, text) => {
    const box = await widget(page).locator('[part="image"]').boundingBox();
    await page.mouse.click(box.x + x * box.width, box.y + y * box.height);
    await widget(page).locator('[part~="composer"] input[name="name"]').fill(name);
    await widget(page).locator('[part~="composer"] textarea').fill(text);
    await page.keyboard.press('Enter');
  };
  await add(ann, 'Ann', 0.27, 0.47, 'Could the sofa face the window instead?');
  await add(bob, 'Bob', 0.62, 0.17, 'Induction hob here, and the fridge by the door.');
  await add(bob, 'Bob', 0.78, 0.72, 'Is there room for a wardrobe on this wall?');
  await ann.locator('image-chat [part~="marker"]').nth(2).waitFor();
  await ann.locator('image-chat [part~="marker"]').first().click();
  await ann.locator('image-chat [part="thread"] textarea').fill('Agreed, with a reading lamp in the corner.');
  await ann.keyboard.press('Enter');
  await bob.locator('image-chat [part~="marker"]').first().click();
  await bob.locator('image-chat [part="thread"] .text').nth(1).waitFor();
  await bob.locator('image-chat [part="thread"] textarea').fill('Then the TV goes on the hall wall.');
  await bob.keyboard.press('Enter');
  await ann.locator('image-chat [part="thread"] .text').nth(2).waitFor();
  // Bob starts another reply: Ann's bar shows them both, her open thread that Bob is typing.
  await bob.locator('image-chat [part="thread"] textarea').pressSequentially('And the');
  await ann.locator('image-chat [part="typing"]', { hasText: 'Bob is typing' }).waitFor();
  await ann.mouse.move(0, 0);
  await ann.waitForTimeout(300);
  await ann.screenshot({ path: out, clip: { x: 0, y: 0, width: 1180, height: 1100 } });
  console.log(`wrote ${out}`);
} finally {
  await browser.close();
  await server.dispose();
}
