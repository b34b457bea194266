// Dashboard, Settings and Models in real Chromium against the real server (llama.cpp on a tiny GGUF, Claude stand-in, a local model mirror).
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatMoney, formatPercent } from '../../renderer/src/lib/format.js';
import { startFileServer, type FileServer } from '../fixtures/gguf-server.js';
import { makeTinyGguf } from '../fixtures/make-tiny-gguf.js';
import { startTestServer, type TestServer } from '../integration/helpers.js';
import { startAnthropicStandIn, type AnthropicStandIn } from '../stand-ins/anthropic-server.js';
import { describeViolations, ensureUiBuilt, openBrowser, screenshot, seriousAxeViolations, type Browser } from './browser.js';

const CLAUDE_KEY = 'sk-ant-api03-e2e-screens-key';
const DAY = 86_400_000;
/** 4 MB served in 64 kB chunks 60 ms apart: about 4 s, long enough to watch the bar move on a loaded machine. */
const MODEL_BYTES = 4 * 1024 * 1024;

let claude: AnthropicStandIn;
let files: FileServer;
let srv: TestServer;
let dir: string;
let browser: Browser;
let page: Page;

const auth = (): Record<string, string> => ({ authorization: `Bearer ${srv.core.token}` });
async function apiJson(method: string, url: string, body?: unknown): Promise<any> {
  const res = await fetch(`${srv.url}${url}`, {
    method,
    headers: { ...auth(), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return res.json();
}

beforeAll(async () => {
  ensureUiBuilt();
  dir = mkdtempSync(path.join(os.tmpdir(), 'hai-e2e-screens-'));
  const gguf = await makeTinyGguf(path.join(dir, 'tiny.gguf'));
  claude = await startAnthropicStandIn({ apiKey: CLAUDE_KEY, deltaDelayMs: 1, answerWords: 30 });
  files = await startFileServer();
  files.set({ chunkBytes: 64 * 1024, chunkDelayMs: 60 });
  const catalog: Record<string, { url: string; sizeBytes: number; sha256: string }> = {};
  for (const [id, file] of [
    ['tinyllama', 'tiny.gguf'],
    ['phi2', 'phi.gguf'],
  ] as const) {
    const body = randomBytes(MODEL_BYTES);
    files.put(file, body);
    catalog[id] = { url: `${files.url}/${file}`, sizeBytes: body.length, sha256: createHash('sha256').update(body).digest('hex') };
  }
  const catalogFile = path.join(dir, 'catalog.json');
  writeFileSync(catalogFile, JSON.stringify(catalog));
  srv = await startTestServer({
    env: {
      // The token lives in the data dir, so Settings can regenerate it.
      HYBRID_AI_TOKEN: '',
      HYBRID_AI_LOCAL_MODEL: gguf.path,
      HYBRID_AI_MODEL_CATALOG: catalogFile,
      ANTHROPIC_API_KEY: CLAUDE_KEY,
      ANTHROPIC_BASE_URL: claude.url,
      HYBRID_AI_THREADS: '1',
    },
    args: ['--tier', '2', '--history'],
  });
  // Traffic for the dashboard: local and cloud answers today, and two older cloud rows in the real ledger.
  for (const prompt of ['hi', 'hello', 'thanks']) await apiJson('POST', '/api/v1/chat', { prompt, max_tokens: 8 });
  for (const prompt of ['essay one', 'essay two']) await apiJson('POST', '/api/v1/chat', { prompt, model: 'claude-sonnet' });
  const base = {
    protocol: 'native' as const,
    route: 'cloud' as const,
    model: 'claude-sonnet',
    engine: 'anthropic' as const,
    complexity: 0.8,
    reasons: ['seeded'],
    latencyMs: 900,
    ttftMs: 200,
    status: 'ok' as const,
    errorType: null,
    fallbackFrom: [],
    prompt: null,
    response: null,
  };
  srv.core.ledger.record({
    ...base,
    id: 'old-3d',
    ts: Date.now() - 3 * DAY,
    inputTokens: 1000,
    outputTokens: 80_000,
    costMicros: 1_203_000,
    allCloudMicros: 1_203_000,
  });
  srv.core.ledger.record({
    ...base,
    id: 'old-20d',
    ts: Date.now() - 20 * DAY,
    inputTokens: 2000,
    outputTokens: 150_000,
    costMicros: 2_256_000,
    allCloudMicros: 2_256_000,
  });
  browser = await openBrowser();
  page = browser.page;
  await page.goto(`${srv.url}/#token=${srv.core.token}`);
  await page.locator('#prompt').waitFor();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await srv?.close();
  await claude?.close();
  await files?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function checkScreen(name: string): Promise<void> {
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    const v = await seriousAxeViolations(page);
    expect(describeViolations(v)).toBe('');
    await screenshot(page, `${name}-${scheme}`);
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

/** Dollars shown on screen ("$1,234.56", "$0.0009", "$0") → a number. */
function dollars(text: string | null): number {
  return Number((text ?? '').replace(/[$,<]/g, ''));
}

describe('dashboard', () => {
  it('shows spend, savings, local share and requests equal to the ledger, to the cent, for each range', async () => {
    await page.goto(`${srv.url}/#/dashboard`);
    for (const [label, range] of [
      ['Today', 'today'],
      ['7 days', '7d'],
      ['30 days', '30d'],
    ] as const) {
      await page.getByRole('button', { name: label, exact: true }).click();
      const api = await apiJson('GET', `/api/v1/stats?range=${range}`);
      const ledger = srv.core.ledger.stats(api.from, api.to).totals;
      expect(api.totals.cost_micros).toBe(ledger.costMicros);
      await expect.poll(() => page.getByTestId('stat-requests').textContent()).toBe(String(ledger.requests));
      const spend = await page.getByTestId('stat-spend').textContent();
      expect(spend).toBe(formatMoney(ledger.costMicros));
      expect(Math.abs(dollars(spend) - ledger.costMicros / 1e6)).toBeLessThan(0.005);
      const saved = await page.getByTestId('stat-saved').textContent();
      expect(saved).toBe(formatMoney(ledger.savingsMicros));
      expect(Math.abs(dollars(saved) - ledger.savingsMicros / 1e6)).toBeLessThan(0.005);
      expect(await page.getByTestId('stat-local-share').textContent()).toBe(formatPercent(ledger.localShare));
    }
    // The ranges really differ: the seeded rows from 3 and 20 days ago count only in the longer ones.
    const today = srv.core.ledger.stats((await apiJson('GET', '/api/v1/stats?range=today')).from, Date.now() + 1).totals.costMicros;
    const month = (await apiJson('GET', '/api/v1/stats?range=30d')).totals.cost_micros;
    expect(month - today).toBe(1_203_000 + 2_256_000);
    expect(await page.getByRole('figure').count()).toBe(1);
    await checkScreen('dashboard');
  });
});

describe('settings', () => {
  it('thresholds: the preview follows the sliders live; only Save changes routing', async () => {
    await page.goto(`${srv.url}/#/settings`);
    const sample = page.getByLabel('Try a prompt');
    await sample.fill('hi');
    const preview = page.getByTestId('threshold-preview');
    await expect.poll(() => preview.locator('.route-pill').textContent()).toBe('small');
    await page.getByLabel('Medium threshold').focus();
    await page.keyboard.press('Home');
    await page.getByLabel('Cloud threshold').focus();
    await page.keyboard.press('Home');
    await expect.poll(() => preview.locator('.route-pill').textContent()).toBe('cloud');
    const before = await apiJson('GET', '/api/v1/settings');
    expect(before.thresholds).toEqual(before.default_thresholds);
    await page.getByRole('button', { name: 'Save thresholds' }).click();
    await expect.poll(async () => (await apiJson('GET', '/api/v1/settings')).thresholds).toEqual({ medium: 0, cloud: 0 });
    await page.getByRole('button', { name: 'Reset to defaults' }).click();
    await page.getByRole('button', { name: 'Save thresholds' }).click();
    await expect.poll(async () => (await apiJson('GET', '/api/v1/settings')).thresholds).toEqual(before.default_thresholds);
  });

  it('local-only switch keeps every prompt on this computer', async () => {
    const sw = page.getByRole('switch', { name: 'Local only' });
    await sw.click();
    await expect.poll(() => sw.getAttribute('aria-checked')).toBe('true');
    expect((await apiJson('GET', '/api/v1/settings')).local_only).toBe(true);
    const d = await apiJson('POST', '/api/v1/complexity', { prompt: 'hi', thresholds: { medium: 0, cloud: 0 } });
    expect(d.backend).toBe('local');
    expect(d.reasons.join(' ')).toMatch(/local-only/);
    await sw.click();
    await expect.poll(async () => (await apiJson('GET', '/api/v1/settings')).local_only).toBe(false);
  });

  it('a budget cap that is reached says so in Settings, Dashboard and Chat, and prompts stay local', async () => {
    await page.goto(`${srv.url}/#/settings`);
    await page.getByLabel('Daily cap').fill('0.0005');
    await page.getByRole('button', { name: 'Save caps' }).click();
    await page.getByTestId('budget-blocked').waitFor();
    expect(await page.getByTestId('budget-blocked').textContent()).toMatch(/daily cloud budget of \$[\d.]+ reached/);
    expect((await apiJson('GET', '/api/v1/settings')).daily_budget_micros).toBe(500);
    await checkScreen('settings-budget-reached');

    await page.goto(`${srv.url}/#/dashboard`);
    await page.getByTestId('budget-reached').waitFor();
    expect(await page.getByTestId('budget-reached').textContent()).toContain('local models until midnight');

    await apiJson('PUT', '/api/v1/settings', { thresholds: { medium: 0, cloud: 0 } });
    await page.goto(`${srv.url}/#/chat`);
    await page.getByText('Cloud budget reached: local only until it resets').waitFor();
    await page.locator('#prompt').fill('a hard question that would go to Claude');
    await page.keyboard.press('Enter');
    const badge = page.locator('article[aria-label="Answer"] [data-testid=route-badge]').last();
    await badge.waitFor();
    await expect.poll(() => badge.locator('[data-testid=badge-cost]').textContent(), { timeout: 20_000 }).toBe('$0');
    expect(await badge.locator('[data-testid=badge-model]').textContent()).not.toMatch(/claude/);
    await badge.getByText('Why this model?').click();
    expect(await badge.locator('ul').textContent()).toMatch(/budget/);
    await screenshot(page, 'chat-budget-reached-light');

    const cleared = await apiJson('PUT', '/api/v1/settings', { daily_budget_micros: null, thresholds: { medium: 0.3, cloud: 0.6 } });
    expect(cleared.budget_status.cloud_blocked).toBeNull();
  });

  it('history off, and "delete all history" empties the sidebar', async () => {
    await page.goto(`${srv.url}/#/settings`);
    const sw = page.getByRole('switch', { name: 'Keep history' });
    await sw.click();
    await expect.poll(async () => (await apiJson('GET', '/api/v1/settings')).history_enabled).toBe(false);
    await page.goto(`${srv.url}/#/chat`);
    await page.getByText('History off: this chat is not saved').waitFor();
    await page.goto(`${srv.url}/#/settings`);
    await page.getByRole('switch', { name: 'Keep history' }).click();
    await expect.poll(async () => (await apiJson('GET', '/api/v1/settings')).history_enabled).toBe(true);
    const c = (await apiJson('POST', '/api/v1/conversations', { title: 'To be deleted' })).conversation;
    await apiJson('POST', '/api/v1/chat', { prompt: 'hi', conversation_id: c.id, max_tokens: 4 });
    expect((await apiJson('GET', '/api/v1/conversations')).conversations.length).toBeGreaterThan(0);

    await page.getByRole('button', { name: 'Delete all history' }).click();
    await page.getByRole('dialog', { name: 'Delete all history?' }).getByRole('button', { name: 'Delete everything' }).click();
    // The toast of the switch above ("History is on") may still show: wait for the delete's own.
    await expect.poll(() => page.getByTestId('saved-toast').textContent()).toMatch(/Deleted \d+ conversations/);
    expect((await apiJson('GET', '/api/v1/conversations')).conversations).toEqual([]);
    await page.goto(`${srv.url}/#/chat`);
    await page.getByText('No conversations yet.').waitFor();
  });

  it('a Claude key from the environment is shown only masked, with where it comes from, and cannot be replaced here', async () => {
    await page.goto(`${srv.url}/#/settings`);
    await expect.poll(() => page.getByTestId('key-mask').textContent()).toBe(`••••${CLAUDE_KEY.slice(-4)}`);
    await page.getByText('the ANTHROPIC_API_KEY environment variable', { exact: false }).first().waitFor();
    expect(await page.getByRole('button', { name: 'Replace' }).count()).toBe(0);
    expect(await page.content()).not.toContain(CLAUDE_KEY);
  });

  it('shows the API address and token with snippets; regenerating replaces the token at once', async () => {
    await page.goto(`${srv.url}/#/settings`);
    const old = srv.core.token;
    expect(await page.getByTestId('api-address').textContent()).toBe(srv.url);
    expect(await page.getByTestId('api-token').textContent()).not.toContain(old);
    await page.getByRole('button', { name: 'Show token' }).click();
    expect(await page.getByTestId('api-token').textContent()).toBe(old);
    expect(await page.getByTestId('snippet-curl').textContent()).toContain(`Authorization: Bearer ${old}`);
    await page.getByRole('tab', { name: 'Python (openai)' }).click();
    expect(await page.getByTestId('snippet-python').textContent()).toContain(`base_url="${srv.url}/v1"`);
    await checkScreen('settings');

    await page.getByRole('button', { name: 'Regenerate' }).click();
    await page.getByRole('dialog', { name: 'Regenerate the API token?' }).getByRole('button', { name: 'Regenerate' }).click();
    await expect.poll(() => srv.core.token).not.toBe(old);
    await expect.poll(() => page.getByTestId('api-token').textContent()).toBe(srv.core.token);
    const withOld = await fetch(`${srv.url}/api/v1/settings`, { headers: { authorization: `Bearer ${old}` } });
    expect(withOld.status).toBe(401);
    // The window switched to the new token and keeps working.
    await page.goto(`${srv.url}/#/dashboard`);
    await page.getByTestId('stat-requests').waitFor();
  });
});

describe('models', () => {
  it('shows the tier and why, downloads a model with a moving progress bar, deletes it, and cancels another', async () => {
    await page.goto(`${srv.url}/#/models`);
    await page.getByRole('heading', { name: 'This computer is tier 2 of 4' }).waitFor();
    await checkScreen('models');
    // Each rung's pick says why; a custom licence is flagged, not listed as an equal of Apache-2.0.
    expect(await page.getByTestId('reason-qwen3-1.7b').textContent()).toMatch(
      /^best small model in 4 GB \(3\.0 GB per model\): Qwen3 1\.7B, needs 2\.1 GB; GSM-Plus 68\.3/,
    );
    expect(await page.getByTestId('reason-smollm3-3b').textContent()).toMatch(/^best medium model in 4 GB .*: SmolLM3 3B/);
    expect(await page.getByTestId('licence-qwen3-1.7b').textContent()).toBe('Apache-2.0');
    const custom = page.getByTestId('licence-llama-3.2-3b');
    expect(await custom.textContent()).toMatch(/^custom: Llama 3\.2 Community License \(not permissive: /);
    expect(await custom.getAttribute('class')).toContain('chip-warn');

    await page.getByRole('button', { name: 'Download TinyLlama 1.1B Chat' }).click();
    const bar = page.getByRole('progressbar', { name: 'Downloading TinyLlama 1.1B Chat' });
    await bar.waitFor();
    const first = Number(await bar.getAttribute('aria-valuenow'));
    await expect.poll(async () => Number(await bar.getAttribute('aria-valuenow')), { timeout: 20_000 }).toBeGreaterThan(first);
    expect(await page.getByTestId('download-text-tinyllama').textContent()).toMatch(/ of 4\.2 MB/);
    await screenshot(page, 'models-downloading-light');
    await expect.poll(() => page.getByTestId('status-tinyllama').textContent(), { timeout: 30_000 }).toMatch(/^Installed/);
    expect((await apiJson('GET', '/api/v1/models/local')).models.find((m: any) => m.id === 'tinyllama').present).toBe(true);

    await page.getByRole('button', { name: 'Delete TinyLlama 1.1B Chat' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete model' }).click();
    await expect.poll(() => page.getByTestId('status-tinyllama').textContent()).toBe('Not installed');

    await page.getByRole('button', { name: 'Download Phi-2 2.7B' }).click();
    await page.getByRole('progressbar', { name: 'Downloading Phi-2 2.7B' }).waitFor();
    await page.getByTestId('download-phi2').getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => page.getByTestId('status-phi2').textContent()).toMatch(/^(Paused at|Not installed)/);
    expect((await apiJson('GET', '/api/v1/downloads')).downloads.find((d: any) => d.model_id === 'phi2').state).toBe('cancelled');
  });

  it('never trips its own Content-Security-Policy', () => {
    expect(browser.console.filter((l) => /Content.Security.Policy/i.test(l))).toEqual([]);
    expect(browser.console.filter((l) => l.startsWith('pageerror'))).toEqual([]);
  });
});
