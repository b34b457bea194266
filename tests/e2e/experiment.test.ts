// Routing experiment in real Chromium against the real server (llama.cpp on a generated GGUF, the Claude stand-in): the
// experiment is started in Settings, the dashboard compares the arms as the stats API reports them, and one click adopts
// the variant as the main policy.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatMoney, formatPercent } from '../../renderer/src/lib/format.js';
import { assignArm, type ArmId } from '../../router-core/routing/experiment.js';
import { makeTinyGguf } from '../fixtures/make-tiny-gguf.js';
import { startTestServer, TOKEN, type TestServer } from '../integration/helpers.js';
import { startAnthropicStandIn, type AnthropicStandIn } from '../stand-ins/anthropic-server.js';
import { describeViolations, ensureUiBuilt, openBrowser, screenshot, seriousAxeViolations, type Browser } from './browser.js';

const CLAUDE_KEY = 'sk-ant-api03-e2e-experiment-key';
const ALL_CLOUD = { thresholds: { medium: 0, cloud: 0 } };

let claude: AnthropicStandIn;
let srv: TestServer;
let dir: string;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  ensureUiBuilt();
  dir = mkdtempSync(path.join(os.tmpdir(), 'hai-e2e-exp-'));
  const gguf = await makeTinyGguf(path.join(dir, 'tiny.gguf'));
  claude = await startAnthropicStandIn({ apiKey: CLAUDE_KEY, deltaDelayMs: 1 });
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

async function apiJson(method: string, url: string, body?: unknown): Promise<any> {
  const res = await fetch(`${srv.url}${url}`, {
    method,
    headers: { ...srv.auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return res.json();
}

describe('routing experiment on the dashboard', () => {
  it('started in Settings; the dashboard shows both arms as the stats API counts them; “Adopt B” makes the variant the policy', async () => {
    // Started in Settings, as a person would: half the conversations, both thresholds at 0 (everything to Claude).
    await page.goto(`${srv.url}/#token=${TOKEN}`);
    await page.goto(`${srv.url}/#/settings`);
    const form = page.locator('section[aria-labelledby=set-experiment]');
    await form.getByLabel('Name (optional)').fill('all to Claude');
    await form.getByLabel('Share of conversations for the variant (%)').fill('50');
    await form.getByLabel('Variant’s medium cut-off').fill('0');
    await form.getByLabel('Variant’s cloud cut-off').fill('0');
    await form.getByRole('button', { name: 'Start the experiment' }).click();
    await form.getByTestId('experiment-running').waitFor();
    const exp = (await apiJson('GET', '/api/v1/routing/experiment')).experiment;
    expect(exp).toMatchObject({ name: 'all to Claude', status: 'running', share: 0.5, variant: ALL_CLOUD });
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      expect(describeViolations(await seriousAxeViolations(page))).toBe('');
      await screenshot(page, `settings-experiment-${scheme}`);
    }
    await page.emulateMedia({ colorScheme: 'light' });
    // Three conversations per arm, through the real engines; a thumbs-down on one of B's answers.
    const count: Record<ArmId, number> = { A: 0, B: 0 };
    let downOn: string | undefined;
    for (let i = 0; count.A < 3 || count.B < 3; i++) {
      const conv = `e2e-conv-${i}`;
      const arm = assignArm(exp.id, 0.5, conv);
      if (count[arm] >= 3) continue;
      count[arm]++;
      const r = await apiJson('POST', '/api/v1/chat', { prompt: 'What is the capital of France?', max_tokens: 8, conversation_id: conv });
      expect(r.engine).toBe(arm === 'A' ? 'llamacpp' : 'anthropic');
      if (arm === 'B') downOn ??= r.id;
    }
    await apiJson('POST', '/api/v1/feedback', { request_id: downOn, rating: 'down' });
    const stats = await apiJson('GET', '/api/v1/routing/experiment/stats');

    await page.goto(`${srv.url}/#/dashboard`);
    const card = page.locator('section[aria-labelledby=experiment-title]');
    await card.getByRole('heading', { name: 'Routing experiment' }).waitFor();
    await card.getByTestId('experiment-table').waitFor();
    for (const a of stats.arms) {
      expect(await card.getByTestId(`exp-${a.arm}-requests`).textContent()).toBe(String(a.requests));
      expect(await card.getByTestId(`exp-${a.arm}-cloud`).textContent()).toBe(formatPercent(a.cloud_share.rate));
      expect(await card.getByTestId(`exp-${a.arm}-cloud-detail`).textContent()).toBe(
        `${a.cloud_share.count} of ${a.cloud_share.total} · 95% CI ${formatPercent(a.cloud_share.low)}–${formatPercent(a.cloud_share.high)}`,
      );
      expect(await card.getByTestId(`exp-${a.arm}-cost`).textContent()).toBe(formatMoney(a.mean_cost_micros.mean));
      expect(await card.getByTestId(`exp-${a.arm}-down`).textContent()).toBe(formatPercent(a.thumbs_down.rate));
      expect(await card.getByTestId(`exp-${a.arm}-retry`).textContent()).toBe(formatPercent(a.retry_with_claude.rate));
    }
    // What the real engines did: A stayed local, B (thresholds at 0) went to Claude; one of B's three was thumbed down.
    expect(await card.getByTestId('exp-A-cloud').textContent()).toBe('0%');
    expect(await card.getByTestId('exp-B-cloud').textContent()).toBe('100%');
    expect(await card.getByTestId('exp-B-down-detail').textContent()).toMatch(/^1 of 3 · 95% CI /);
    // The suggestion is the API's verdict: A answered for nothing, B's identical Claude answers each cost the same.
    expect(stats.winner).toEqual({ arm: 'A', reason: 'A costs clearly less per request and is not rated worse' });
    expect(await card.getByTestId('experiment-winner').textContent()).toBe(`Suggested: adopt A (${stats.winner.reason}).`);

    await card.evaluate((el) => el.scrollIntoView({ block: 'center' }));
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      expect(describeViolations(await seriousAxeViolations(page))).toBe('');
      await screenshot(page, `dashboard-experiment-${scheme}`);
    }
    await page.emulateMedia({ colorScheme: 'light' });

    await card.getByRole('button', { name: 'Adopt B: make the variant the main policy' }).click();
    await expect
      .poll(async () => (await apiJson('GET', '/api/v1/routing/experiment')).experiment)
      .toMatchObject({
        id: exp.id,
        status: 'stopped',
        adopted: 'B',
      });
    expect((await apiJson('GET', '/api/v1/settings')).thresholds).toEqual(ALL_CLOUD.thresholds);
    await expect.poll(() => card.getByTestId('experiment-summary').textContent()).toContain('Adopted: the variant is now the main policy.');
    expect(await card.getByRole('button').count()).toBe(0);
    // The adopted policy decides every conversation now, A's included.
    let convA = 0;
    while (assignArm(exp.id, 0.5, `after-${convA}`) !== 'A') convA++;
    const after = await apiJson('POST', '/api/v1/chat', {
      prompt: 'What is the capital of France?',
      max_tokens: 8,
      conversation_id: `after-${convA}`,
    });
    expect(after.engine).toBe('anthropic');
    expect(browser.console.filter((l) => /Content.Security.Policy|pageerror/i.test(l))).toEqual([]);
  });
});
