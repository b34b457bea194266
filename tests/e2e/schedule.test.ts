// Time-based routing in real Chromium against the real server: set local-only hours in Settings, see them on the
// Dashboard, and watch a cloud-worthy prompt stay local.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTinyGguf } from '../fixtures/make-tiny-gguf.js';
import { startTestServer, TOKEN, type TestServer } from '../integration/helpers.js';
import { startAnthropicStandIn, type AnthropicStandIn } from '../stand-ins/anthropic-server.js';
import { describeViolations, ensureUiBuilt, openBrowser, screenshot, seriousAxeViolations, type Browser } from './browser.js';

const CLAUDE_KEY = 'sk-ant-api03-e2e-schedule-key';
let claude: AnthropicStandIn;
let srv: TestServer;
let dir: string;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  ensureUiBuilt();
  dir = mkdtempSync(path.join(os.tmpdir(), 'hai-e2e-schedule-'));
  const gguf = await makeTinyGguf(path.join(dir, 'tiny.gguf'));
  claude = await startAnthropicStandIn({ apiKey: CLAUDE_KEY });
  srv = await startTestServer({
    env: { HYBRID_AI_LOCAL_MODEL: gguf.path, ANTHROPIC_API_KEY: CLAUDE_KEY, ANTHROPIC_BASE_URL: claude.url, HYBRID_AI_THREADS: '1' },
    args: ['--tier', '2'],
  });
  browser = await openBrowser();
  page = browser.page;
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await srv?.close();
  await claude?.close();
  rmSync(dir, { recursive: true, force: true });
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
