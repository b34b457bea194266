// Routing feedback in real Chromium against the real server (llama.cpp on a generated GGUF, the Claude stand-in): thumbs,
// "Retry with Claude" recorded as a miss, the "cached" and "escalated" badges, all kept when the conversation is reopened
// (page reload), and the dashboard's cache and cascade numbers.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineId } from '../../router-core/contracts/decision.js';
import type { Engine } from '../../router-core/engines/engine.js';
import { formatMoney } from '../../renderer/src/lib/format.js';
import { createFakeEngine } from '../fakes/engines.js';
import { makeTinyGguf } from '../fixtures/make-tiny-gguf.js';
import { startTestServer, TOKEN, type TestServer } from '../integration/helpers.js';
import { startAnthropicStandIn, type AnthropicStandIn } from '../stand-ins/anthropic-server.js';
import { describeViolations, ensureUiBuilt, openBrowser, screenshot, seriousAxeViolations, type Browser } from './browser.js';

const CLAUDE_KEY = 'sk-ant-api03-e2e-feedback-key';

let claude: AnthropicStandIn;
let srv: TestServer;
let dir: string;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  ensureUiBuilt();
  dir = mkdtempSync(path.join(os.tmpdir(), 'hai-e2e-feedback-'));
  const gguf = await makeTinyGguf(path.join(dir, 'tiny.gguf'));
  claude = await startAnthropicStandIn({ apiKey: CLAUDE_KEY, deltaDelayMs: 1, answerWords: 20 });
  srv = await startTestServer({
    env: { HYBRID_AI_LOCAL_MODEL: gguf.path, ANTHROPIC_API_KEY: CLAUDE_KEY, ANTHROPIC_BASE_URL: claude.url, HYBRID_AI_THREADS: '1' },
    args: ['--tier', '2', '--history'],
  });
  browser = await openBrowser();
  page = browser.page;
  await page.goto(`${srv.url}/#token=${TOKEN}`);
  await page.locator('#prompt').waitFor();
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

const lastAnswer = () => page.locator('article[aria-label="Answer"]').last();

async function send(text: string): Promise<void> {
  await page.locator('#prompt').fill(text);
  await page.keyboard.press('Enter');
}

async function lastAnswerDone(): Promise<void> {
  await page.waitForFunction(() => {
    const all = document.querySelectorAll('article[aria-label="Answer"]');
    return all[all.length - 1]?.getAttribute('data-state') === 'done';
  });
}

/** The id of the conversation open in the chat (from the address bar). */
const conversationInUrl = (): string => decodeURIComponent(page.url().split('#/chat/')[1] ?? '');

/** The request id of the newest answer in the open conversation, from the conversations API. */
async function newestAnswerRequestId(): Promise<string> {
  const stored = await apiJson('GET', `/api/v1/conversations/${conversationInUrl()}`);
  return stored.messages.filter((m: any) => m.role === 'assistant').at(-1).request_id as string;
}

/** The stored verdict on one request (the ledger's feedback joined with its request row). */
async function verdictOf(requestId: string): Promise<string | undefined> {
  const samples = await srv.core.ledger.feedbackSamples(0);
  return samples.find((s) => s.requestId === requestId)?.rating;
}

/** Reload the page (a reopened conversation: everything comes from the conversations API) and wait for its answers. */
async function reopen(): Promise<void> {
  const url = page.url();
  expect(url).toMatch(/#\/chat\/.+/);
  await page.reload();
  await page.waitForFunction(() => {
    const all = document.querySelectorAll('article[aria-label="Answer"]');
    return all.length > 0 && all[all.length - 1]?.getAttribute('data-state') === 'done';
  });
  expect(page.url()).toBe(url);
}

async function newChat(): Promise<void> {
  await page.keyboard.press('Control+k');
  await page.getByRole('heading', { name: 'New chat' }).waitFor();
}

describe('feedback in the chat', () => {
  it('thumbs up, then thumbs down by keyboard, on a real answer: the feedback API holds the verdict each time', async () => {
    await send('hi');
    await lastAnswerDone();
    const requestId = await newestAnswerRequestId();
    const up = lastAnswer().getByRole('button', { name: 'Thumbs up' });
    const down = lastAnswer().getByRole('button', { name: 'Thumbs down' });
    expect(await up.getAttribute('aria-pressed')).toBe('false');

    await up.click();
    await expect.poll(() => up.getAttribute('aria-pressed')).toBe('true');
    expect(await apiJson('GET', '/api/v1/feedback/stats')).toMatchObject({ up: 1, down: 0, retry: 0 });
    expect(await verdictOf(requestId)).toBe('up');

    // Keyboard: Tab from the pressed thumb reaches the other one; Space presses it and replaces the verdict.
    await up.focus();
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('Thumbs down');
    await page.keyboard.press('Space');
    await expect.poll(() => down.getAttribute('aria-pressed')).toBe('true');
    expect(await up.getAttribute('aria-pressed')).toBe('false');
    expect(await apiJson('GET', '/api/v1/feedback/stats')).toMatchObject({ up: 0, down: 1, retry: 0 });
    expect(await verdictOf(requestId)).toBe('down');

    // The pressed thumb again keeps the verdict (the API keeps one per answer and has no "clear").
    await down.click();
    expect(await down.getAttribute('aria-pressed')).toBe('true');
    expect(await verdictOf(requestId)).toBe('down');

    // Reopened (reload): the stored verdict is the pressed thumb again, and changing it still works.
    await reopen();
    expect(await down.getAttribute('aria-pressed')).toBe('true');
    expect(await up.getAttribute('aria-pressed')).toBe('false');
    await up.click();
    await expect.poll(() => up.getAttribute('aria-pressed')).toBe('true');
    expect(await verdictOf(requestId)).toBe('up');
    await reopen();
    expect(await up.getAttribute('aria-pressed')).toBe('true');
    expect(await down.getAttribute('aria-pressed')).toBe('false');

    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      expect(describeViolations(await seriousAxeViolations(page))).toBe('');
      await screenshot(page, `chat-feedback-${scheme}`);
    }
    await page.emulateMedia({ colorScheme: 'light' });
  });

  it('Retry with Claude on a local answer: Claude answers anew and the original request is recorded as a miss', async () => {
    await newChat();
    await send('hello again');
    await lastAnswerDone();
    expect(await lastAnswer().getByTestId('badge-model').textContent()).toBe('tiny');
    const original = await newestAnswerRequestId();
    const claudeCalls = claude.requests.length;
    const before = await apiJson('GET', '/api/v1/feedback/stats');

    await lastAnswer().getByRole('button', { name: 'Retry with Claude' }).click();
    await page.waitForFunction(() => {
      const all = document.querySelectorAll('article[aria-label="Answer"]');
      const last = all[all.length - 1];
      return (
        last?.getAttribute('data-state') === 'done' && last.querySelector('[data-testid=badge-model]')?.textContent === 'claude-sonnet'
      );
    });
    expect(claude.requests.length).toBe(claudeCalls + 1);
    expect(await lastAnswer().locator('.route-pill').textContent()).toBe('cloud');
    expect(await lastAnswer().getByTestId('retry-note').textContent()).toBe(
      'Asked Claude again: tiny’s answer was recorded as a miss for the router.',
    );
    const after = await apiJson('GET', '/api/v1/feedback/stats');
    expect(after.retry).toBe(before.retry + 1);
    expect(await verdictOf(original)).toBe('retry');
    // The new cloud answer is a request of its own, and can be rated too.
    const fresh = await newestAnswerRequestId();
    expect(fresh).not.toBe(original);
    expect(await lastAnswer().getByRole('button', { name: 'Thumbs up' }).isVisible()).toBe(true);

    // Reopened: Claude's answer still says it replaced tiny's, whose miss was recorded.
    await reopen();
    expect(await page.locator('article[aria-label="Answer"]').count()).toBe(1);
    expect(await lastAnswer().getByTestId('badge-model').textContent()).toBe('claude-sonnet');
    expect(await lastAnswer().getByTestId('retry-note').textContent()).toBe(
      'Asked Claude again: tiny’s answer was recorded as a miss for the router.',
    );
  });

  it('a repeated prompt answered from the response cache shows "cached", $0 and what it saved; Claude is not asked again', async () => {
    // The chat sends no temperature (a sampled request), so the cache keeps its answers only when told to. Claude is
    // picked because only complete answers are cached, and the tiny random model always runs into its length limit.
    await apiJson('PUT', '/api/v1/routing/settings', { cache: { enabled: true, include_sampled: true } });
    try {
      const prompt = 'What is the capital of France?';
      await newChat();
      await page.getByLabel('Model for this message').selectOption('claude-sonnet');
      await send(prompt);
      await lastAnswerDone();
      const first = await lastAnswer().locator('.markdown').textContent();
      expect(await lastAnswer().getByTestId('badge-cached').count()).toBe(0);
      const firstCost = (await apiJson('GET', `/api/v1/conversations/${conversationInUrl()}`)).messages.at(-1).summary.cost_micros;
      expect(firstCost).toBeGreaterThan(0);
      const claudeCalls = claude.requests.length;

      await newChat();
      await send(prompt);
      await lastAnswerDone();
      const badge = lastAnswer().getByTestId('route-badge');
      await badge.getByTestId('badge-cached').waitFor({ timeout: 10_000 });
      expect(claude.requests.length).toBe(claudeCalls);
      expect(await badge.getByTestId('badge-cached').textContent()).toBe('cached');
      expect(await badge.getByTestId('badge-model').textContent()).toBe('claude-sonnet');
      expect(await lastAnswer().locator('.markdown').textContent()).toBe(first);
      // The amounts are the API's: the cached request costs nothing; the badge's saving is what Claude would charge.
      const stored = (await apiJson('GET', `/api/v1/conversations/${conversationInUrl()}`)).messages.at(-1);
      expect(stored.summary.cost_micros).toBe(0);
      expect(await badge.getByTestId('badge-cost').textContent()).toBe('$0');
      expect(await badge.getByTestId('badge-cache-saved').textContent()).toBe(
        `free from the cache, saved ${formatMoney(stored.summary.all_cloud_cost_micros)} vs Claude`,
      );
      const cache = (await apiJson('GET', '/api/v1/stats?range=today')).routing.cache;
      expect(cache).toMatchObject({ hits: 1, saved_micros: firstCost });
      // Reopened: still "cached", on the engine of the answer it reused, still free.
      await reopen();
      await badge.getByTestId('badge-cached').waitFor();
      expect(await badge.getByTestId('badge-model').textContent()).toBe('claude-sonnet');
      expect(await badge.getByTestId('badge-cost').textContent()).toBe('$0');
      for (const scheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme: scheme });
        expect(describeViolations(await seriousAxeViolations(page))).toBe('');
        await screenshot(page, `chat-cached-${scheme}`);
      }
      await page.emulateMedia({ colorScheme: 'light' });
    } finally {
      await page.getByLabel('Model for this message').selectOption('auto');
      await apiJson('PUT', '/api/v1/routing/settings', { cache: { include_sampled: false } });
    }
  });

  it('with the cascade on, the tiny model’s weak answer is escalated and the badge says from which model and why', async () => {
    await apiJson('PUT', '/api/v1/routing/settings', { cascade: { enabled: true } });
    try {
      await newChat();
      await send('hi there, cascade');
      await lastAnswerDone();
      const badge = lastAnswer().getByTestId('route-badge');
      await badge.getByTestId('badge-escalated').waitFor();
      // A random-weights model's answer has a very low mean token log-probability (tests/integration/cascade-llamacpp.test.ts).
      expect(await badge.getByTestId('badge-escalated').textContent()).toMatch(
        /^Escalated from tiny: its answer looked weak \(.*low confidence.*\), so \S+ answered instead\.$/,
      );
      expect(await badge.locator('.flag-escalated').textContent()).toBe('escalated');
      // Reopened: the same escalation, from the ledger's record of it.
      const live = await badge.getByTestId('badge-escalated').textContent();
      await reopen();
      expect(await badge.getByTestId('badge-escalated').textContent()).toBe(live);
      expect((await apiJson('GET', '/api/v1/stats?range=today')).routing.cascade.escalated).toBeGreaterThanOrEqual(1);
      for (const scheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme: scheme });
        expect(describeViolations(await seriousAxeViolations(page))).toBe('');
        await screenshot(page, `chat-escalated-${scheme}`);
      }
      await page.emulateMedia({ colorScheme: 'light' });
    } finally {
      await apiJson('PUT', '/api/v1/routing/settings', { cascade: { enabled: false } });
    }
  });
});

describe('dashboard', () => {
  it('shows the cache hits and cascade escalations, with money saved, as the stats API returns them', async () => {
    await page.goto(`${srv.url}/#/dashboard`);
    await page.getByRole('button', { name: 'Today', exact: true }).click();
    const routing = (await apiJson('GET', '/api/v1/stats?range=today')).routing;
    expect(routing.cache.hits).toBe(1);
    await expect
      .poll(() => page.getByTestId('stat-cache-hits').textContent())
      .toBe(String(routing.cache.hits + routing.cache.semantic_hits));
    expect(await page.getByTestId('stat-cache-hits').locator('xpath=following-sibling::*[1]').textContent()).toBe(
      `saved ${formatMoney(routing.cache.saved_micros)} in repeat calls`,
    );
    expect(await page.getByTestId('stat-escalations').textContent()).toBe(String(routing.cascade.escalated));
    expect(await page.getByTestId('stat-escalations').locator('xpath=following-sibling::*[1]').textContent()).toContain(
      `saved ${formatMoney(routing.cascade.saved_micros)}`,
    );
    expect(await page.getByTestId('stat-feedback').textContent()).toBe(
      String(routing.feedback.up + routing.feedback.down + routing.feedback.retry),
    );
    await page.locator('section[aria-labelledby=routing-title]').evaluate((el) => el.scrollIntoView({ block: 'center' }));
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      expect(describeViolations(await seriousAxeViolations(page))).toBe('');
      await screenshot(page, `dashboard-routing-${scheme}`);
    }
    await page.emulateMedia({ colorScheme: 'light' });
  });

  it('never trips its own Content-Security-Policy and never shows the Claude key', async () => {
    expect(browser.console.filter((l) => /Content.Security.Policy/i.test(l))).toEqual([]);
    expect(browser.console.filter((l) => l.startsWith('pageerror'))).toEqual([]);
    expect(await page.content()).not.toContain(CLAUDE_KEY);
  });
});

describe('without a Claude key', () => {
  it('Retry with Claude is disabled and its title says why; the thumbs still work', async () => {
    const engines = new Map<EngineId, Engine>([
      ['llamacpp', createFakeEngine({ id: 'llamacpp', models: ['tinyllama', 'phi2'], words: () => ['A ', 'local ', 'answer.'] })],
    ]);
    const noKey = await startTestServer({ engines, args: ['--tier', '2'] });
    const other = await browser.context.newPage();
    try {
      await other.goto(`${noKey.url}/#token=${TOKEN}`);
      await other.getByText('Claude is off: no API key').waitFor();
      await other.locator('#prompt').fill('hi');
      await other.keyboard.press('Enter');
      await other.waitForFunction(() => document.querySelector('article[aria-label="Answer"]')?.getAttribute('data-state') === 'done');
      const retry = other.getByRole('button', { name: 'Retry with Claude' });
      expect(await retry.isDisabled()).toBe(true);
      expect(await retry.getAttribute('title')).toBe('Claude is unavailable: no Claude key');
      await other.getByRole('button', { name: 'Thumbs up' }).click();
      await expect.poll(async () => (await (await fetch(`${noKey.url}/api/v1/feedback/stats`, { headers: noKey.auth })).json()).up).toBe(1);
      for (const scheme of ['light', 'dark'] as const) {
        await other.emulateMedia({ colorScheme: scheme });
        expect(describeViolations(await seriousAxeViolations(other))).toBe('');
      }
    } finally {
      await other.close();
      await noKey.close();
    }
  });
});
