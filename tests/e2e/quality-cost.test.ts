// The Quality ↔ Cost control in real Chromium against the real server (llama.cpp on a generated GGUF, the Claude
// stand-in): it shows what the default does, moves with the keyboard, and saving it moves the core's cloud threshold.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTinyGguf } from '../fixtures/make-tiny-gguf.js';
import { startTestServer, TOKEN, type TestServer } from '../integration/helpers.js';
import { startAnthropicStandIn, type AnthropicStandIn } from '../stand-ins/anthropic-server.js';
import { describeViolations, ensureUiBuilt, openBrowser, screenshot, seriousAxeViolations, type Browser } from './browser.js';

const CLAUDE_KEY = 'sk-ant-api03-e2e-knob-key';
let claude: AnthropicStandIn;
let srv: TestServer;
let dir: string;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  ensureUiBuilt();
  dir = mkdtempSync(path.join(os.tmpdir(), 'hai-e2e-knob-'));
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

async function settings(): Promise<any> {
  return (await fetch(`${srv.url}/api/v1/settings`, { headers: srv.auth })).json();
}

describe('Quality ↔ Cost in Settings', () => {
  it('shows the default stop and its measured cloud share; Home + Save sends the most-Claude stop to the core', async () => {
    const before = await settings();
    const stops = before.quality_cost.stops as Array<{ p_cloud: number; cloud_threshold: number; cloud_share: number }>;
    const def = stops.find((k) => k.p_cloud === before.quality_cost.default_p_cloud)!;
    await page.goto(`${srv.url}/#token=${TOKEN}`);
    await page.goto(`${srv.url}/#/settings`);
    const value = page.getByTestId('quality-cost-value');
    await expect.poll(() => value.textContent()).toBe(`~${Math.round(def.cloud_share * 100)}% of prompts to Claude (default)`);
    expect(await seriousAxeViolations(page).then(describeViolations)).toBe('');
    await screenshot(page, 'settings-quality-cost');

    const slider = page.getByLabel('Quality ↔ Cost');
    await slider.focus();
    await page.keyboard.press('Home');
    await expect.poll(() => value.textContent()).toBe(`~${Math.round(stops[0]!.cloud_share * 100)}% of prompts to Claude`);
    await page.getByRole('button', { name: 'Save thresholds' }).click();
    await expect.poll(async () => (await settings()).thresholds.cloud).toBeCloseTo(stops[0]!.cloud_threshold, 3);
    expect((await settings()).quality_cost.current_p_cloud).toBe(stops[0]!.p_cloud);
  }, 60_000);
});
