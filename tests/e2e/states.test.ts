// Chat states in real Chromium: no model and no key, a fallback and an engine error, and a Claude key saved from Settings.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { EngineId } from '../../router-core/contracts/decision.js';
import type { Engine } from '../../router-core/engines/engine.js';
import { createFakeEngine } from '../fakes/engines.js';
import { makeTinyGguf } from '../fixtures/make-tiny-gguf.js';
import { startTestServer, TOKEN, type TestServer } from '../integration/helpers.js';
import { startAnthropicStandIn, type AnthropicStandIn } from '../stand-ins/anthropic-server.js';
import { describeViolations, ensureUiBuilt, openBrowser, screenshot, seriousAxeViolations, type Browser } from './browser.js';

let browser: Browser;
let page: Page;
let srv: TestServer | undefined;

beforeAll(async () => {
  ensureUiBuilt();
  browser = await openBrowser();
  page = browser.page;
}, 60_000);
afterEach(async () => {
  await srv?.close();
  srv = undefined;
});
afterAll(async () => {
  await browser?.close();
});

async function open(s: TestServer): Promise<void> {
  await page.goto(`${s.url}/#token=${TOKEN}`);
  await page.locator('#prompt').waitFor();
}

async function send(text: string): Promise<void> {
  await page.locator('#prompt').fill(text);
  await page.keyboard.press('Enter');
}

async function lastAnswerSettled(): Promise<void> {
  await page.waitForFunction(() => {
    const all = document.querySelectorAll('article[aria-label="Answer"]');
    const s = all[all.length - 1]?.getAttribute('data-state');
    return s !== undefined && s !== null && s !== 'streaming';
  });
}

describe('chat states', () => {
  it('no local model and no Claude key: said plainly, with where to fix it; a prompt gets a clear error', async () => {
    srv = await startTestServer({ engines: new Map<EngineId, Engine>() });
    await open(srv);
    await page.getByText('No local model yet').waitFor();
    await page.getByText('Claude is off: no API key').waitFor();
    // With neither, the first notice does not promise that prompts go to Claude.
    await page.getByText('Nothing can answer until you download one or add a Claude key.').waitFor();
    expect(await page.getByRole('link', { name: 'Open Models' }).getAttribute('href')).toBe('#/models');
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      expect(describeViolations(await seriousAxeViolations(page))).toBe('');
      await screenshot(page, `chat-no-models-${scheme}`);
    }
    await page.emulateMedia({ colorScheme: 'light' });
    await send('hello?');
    await lastAnswerSettled();
    const err = page.getByTestId('answer-error');
    await err.waitFor();
    expect(await err.textContent()).toMatch(/No answer: No model can answer/);
    expect(await err.getByRole('link', { name: 'Models' }).getAttribute('href')).toBe('#/models');
  });

  it('a fallback is shown on the badge; an engine error shows its message', async () => {
    const engines = new Map<EngineId, Engine>([
      ['ollama', createFakeEngine({ id: 'ollama', models: ['tinyllama', 'phi2'], failBeforeFirst: 'upstream_unavailable' })],
      ['llamacpp', createFakeEngine({ id: 'llamacpp', models: ['tinyllama'], words: () => ['Fine', ', thanks.'] })],
    ]);
    srv = await startTestServer({ engines, args: ['--tier', '2'] });
    await open(srv);
    await send('hi');
    await lastAnswerSettled();
    const answer = page.locator('article[aria-label="Answer"]').last();
    expect(await answer.getAttribute('data-state')).toBe('done');
    expect(await answer.getByTestId('badge-model').textContent()).toBe('tinyllama');
    expect(await answer.getByTestId('badge-fallback').textContent()).toMatch(/Fell back: tinyllama on ollama: upstream_unavailable/);

    // Only the failing engine has phi2: the error is the engine's, said as it is.
    await page.getByLabel('Model for this message').selectOption('phi2');
    await send('and now?');
    await lastAnswerSettled();
    const failed = page.locator('article[aria-label="Answer"]').last();
    expect(await failed.getAttribute('data-state')).toBe('error');
    expect(await failed.getByTestId('answer-error').textContent()).toMatch(/ollama failed: upstream_unavailable/);
    expect(describeViolations(await seriousAxeViolations(page))).toBe('');
    await screenshot(page, 'chat-fallback-error-light');
  });

  it('a Claude key typed in Settings is saved by the core, shown only masked, and Claude answers at once', async () => {
    const key = 'sk-ant-api03-typed-into-settings-4321';
    const dir = mkdtempSync(path.join(os.tmpdir(), 'hai-e2e-key-'));
    const claude: AnthropicStandIn = await startAnthropicStandIn({ apiKey: key, deltaDelayMs: 1 });
    try {
      const gguf = await makeTinyGguf(path.join(dir, 'tiny.gguf'));
      srv = await startTestServer({
        env: {
          HYBRID_AI_LOCAL_MODEL: gguf.path,
          ANTHROPIC_BASE_URL: claude.url,
          HYBRID_AI_THREADS: '1',
          // The key goes to the data dir's 0600 file here, so the test does not depend on a desktop keychain.
          HYBRID_AI_KEYCHAIN: 'off',
        },
        args: ['--tier', '2'],
      });
      await open(srv);
      await page.getByText('Claude is off: no API key').waitFor();
      await page.goto(`${srv.url}/#/settings`);
      // A key Claude refuses: tried with a one-token call first, not saved, and the form says so in red.
      const calls = claude.requests.length;
      await page.locator('#claude-key').fill('sk-ant-api03-not-the-right-key-9999');
      await page.getByRole('button', { name: 'Save key' }).click();
      await page.getByText(/Claude rejected it as unauthorized/).waitFor();
      expect(await page.getByRole('alert').last().textContent()).toMatch(/It was not saved/);
      expect(claude.requests.length).toBe(calls + 1);
      expect(claude.requests.at(-1)!.body).toMatchObject({ max_tokens: 1 });
      expect(await page.getByTestId('key-mask').count()).toBe(0);
      await page.locator('#claude-key').fill(key);
      await page.getByRole('button', { name: 'Save key' }).click();
      await expect.poll(() => page.getByTestId('key-mask').textContent()).toBe('••••4321');
      await expect.poll(() => page.getByTestId('key-test').textContent()).toBe('Claude accepted the key (a one-token test call answered).');
      expect(await page.locator('#claude-key').count()).toBe(0);
      expect(await page.content()).not.toContain(key);
      await screenshot(page, 'settings-key-saved-light');

      await page.goto(`${srv.url}/#/chat`);
      await page.getByLabel('Model for this message').selectOption('claude-sonnet');
      await send('a question for Claude');
      await lastAnswerSettled();
      const answer = page.locator('article[aria-label="Answer"]').last();
      expect(await answer.getAttribute('data-state')).toBe('done');
      expect(await answer.getByTestId('badge-model').textContent()).toBe('claude-sonnet');
      const h = claude.requests.at(-1)!.headers;
      expect([h['x-api-key'], h.authorization]).toContain(h['x-api-key'] === key ? key : `Bearer ${key}`);

      await page.goto(`${srv.url}/#/settings`);
      await page.getByRole('button', { name: 'Remove' }).click();
      await page.getByRole('dialog', { name: 'Remove the Claude key?' }).getByRole('button', { name: 'Remove key' }).click();
      await page.locator('#claude-key').waitFor();
    } finally {
      await claude.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('never trips its own Content-Security-Policy', () => {
    expect(browser.console.filter((l) => /Content.Security.Policy/i.test(l))).toEqual([]);
    expect(browser.console.filter((l) => l.startsWith('pageerror'))).toEqual([]);
  });
});
