// Time-based routing in real Chromium against the real server: set local-only hours in Settings, see them on the
// Dashboard, and watch a cloud-worthy prompt stay local.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRealGateway, type RealGateway } from '../fixtures/real-gateway.js';
import { TOKEN, type TestServer } from '../integration/helpers.js';
import type { AnthropicStandIn } from '../stand-ins/anthropic-server.js';
import { describeViolations, ensureUiBuilt, openBrowser, screenshot, seriousAxeViolations, type Browser } from './browser.js';

let gw: RealGateway;
let claude: AnthropicStandIn;
let srv: TestServer;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  ensureUiBuilt();
  gw = await startRealGateway();
  ({ srv, claude } = gw);
  browser = await openBrowser();
  page = browser.page;
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await gw?.close();
});

const routingSettings = async (): Promise<any> => (await fetch(`${srv.url}/api/v1/routing/settings`, { headers: srv.auth })).json();

describe('Schedule in Settings', () => {
  it('saves local-only hours, shows them on the Dashboard, and keeps a hard prompt local', async () => {
    await page.goto(`${srv.url}/#token=${TOKEN}`);
    await page.goto(`${srv.url}/#/settings`);
    await page.getByLabel('Time zone', { exact: true }).fill('UTC');
    // Every day, all day: the state is the same whenever the test runs.
    for (const d of ['Sat', 'Sun']) await page.getByLabel(d, { exact: true }).check();
    await page.getByLabel('From', { exact: true }).fill('00:00');
    await page.getByLabel('To', { exact: true }).fill('23:59');
    await page.getByRole('button', { name: 'Save schedule' }).click();
    await expect.poll(async () => (await routingSettings()).schedule?.windows?.[0]?.days?.length).toBe(7);
    const saved = await routingSettings();
    expect(saved.schedule).toMatchObject({ enabled: true, mode: 'local-only', time_zone: 'UTC' });
    expect(saved.schedule_now.cloud_blocked).toBe(true);
    await expect.poll(() => page.getByTestId('schedule-now').textContent()).toContain('local-only hours');
    expect(await seriousAxeViolations(page).then(describeViolations)).toBe('');
    await screenshot(page, 'settings-schedule');

    await page.goto(`${srv.url}/#/dashboard`);
    await expect.poll(() => page.getByTestId('schedule-card').textContent()).toContain('Cloud off now: local-only hours');

    const before = claude.requests.length;
    const res = await fetch(`${srv.url}/api/v1/chat`, {
      method: 'POST',
      headers: { ...srv.auth, 'content-type': 'application/json' },
      body: JSON.stringify({
        prompt: 'Design a lock-free concurrent hash map in C++ with resizing and prove its linearizability.',
        max_tokens: 4,
      }),
    });
    expect((await res.json()).engine).toBe('llamacpp');
    expect(claude.requests.length).toBe(before);
  }, 90_000);
});
