// Two windows on one conversation, in real Chromium against the real server (llama.cpp on a generated GGUF, the Claude
// stand-in): one regenerates an answer while the other still shows version 1 and asks a follow-up; the follow-up is
// stored after the version its window showed, and a reload in either window shows that pairing.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTinyGguf } from '../fixtures/make-tiny-gguf.js';
import { startTestServer, TOKEN, type TestServer } from '../integration/helpers.js';
import { startAnthropicStandIn, type AnthropicStandIn } from '../stand-ins/anthropic-server.js';
import { ensureUiBuilt, openBrowser, type Browser } from './browser.js';

const CLAUDE_KEY = 'sk-ant-api03-e2e-two-windows-key';

let claude: AnthropicStandIn;
let srv: TestServer;
let dir: string;
let browser: Browser;

beforeAll(async () => {
  ensureUiBuilt();
  dir = mkdtempSync(path.join(os.tmpdir(), 'hai-e2e-two-windows-'));
  const gguf = await makeTinyGguf(path.join(dir, 'tiny.gguf'));
  claude = await startAnthropicStandIn({ apiKey: CLAUDE_KEY, deltaDelayMs: 1, answerWords: 6 });
  srv = await startTestServer({
    env: { HYBRID_AI_LOCAL_MODEL: gguf.path, ANTHROPIC_API_KEY: CLAUDE_KEY, ANTHROPIC_BASE_URL: claude.url, HYBRID_AI_THREADS: '1' },
    args: ['--tier', '2', '--history'],
  });
  browser = await openBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await srv?.close();
  await claude?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Wait until the window shows `count` answers, none streaming, nothing busy. */
async function settled(page: Page, count: number): Promise<void> {
  await page.waitForFunction((n) => {
    const all = Array.from(document.querySelectorAll('article[aria-label="Answer"]'));
    return (
      all.length === n && all.every((a) => a.getAttribute('data-state') !== 'streaming') && !document.querySelector('[aria-busy="true"]')
    );
  }, count);
}

/** What the window shows: each prompt's text, each answer's first words. */
const shown = (page: Page): Promise<string[]> =>
  page.evaluate(() =>
    Array.from(document.querySelectorAll('article')).map((a) =>
      a.getAttribute('aria-label') === 'You'
        ? `You: ${a.querySelector('.bubble')?.textContent ?? ''}`
        : `Answer: ${(a.querySelector('.md, p')?.textContent ?? '').slice(0, 40)}`,
    ),
  );

describe('two windows on one conversation', () => {
  it('a follow-up from the window still on version 1 stays after version 1, though the other window made version 2', async () => {
    const a = browser.page;
    await a.goto(`${srv.url}/#token=${TOKEN}`);
    await a.locator('#prompt').waitFor();
    await a.getByLabel('Model for this message').selectOption('claude-haiku');
    await a.locator('#prompt').fill('first turn');
    await a.keyboard.press('Enter');
    await settled(a, 1);
    const conv = decodeURIComponent(a.url().split('#/chat/')[1] ?? '');
    expect(conv).not.toBe('');

    const b = await browser.context.newPage();
    // A new window connects with the token (each window keeps its own), then opens the conversation.
    await b.goto(`${srv.url}/#token=${TOKEN}`);
    await b.locator('#prompt').waitFor();
    await b.goto(`${srv.url}/#/chat/${conv}`);
    await settled(b, 1);
    const version1 = (await a.locator('article[aria-label="Answer"]').first().innerText()).split('\n')[0]!;

    // Window A regenerates (a local answer): version 2 becomes the stored leaf. Window B still shows version 1.
    await a.locator('article[aria-label="Answer"]').first().getByRole('button', { name: 'Regenerate' }).click();
    await expect.poll(() => a.getByTestId('version-count').first().textContent()).toContain('2/2');
    await settled(a, 1);

    await b.getByLabel('Model for this message').selectOption('claude-haiku');
    await b.locator('#prompt').fill('follow-up');
    await b.keyboard.press('Enter');
    await settled(b, 2);

    // What the server keeps: the follow-up after version 1, the one window B showed when it was asked.
    const res = await fetch(`${srv.url}/api/v1/conversations/${conv}`, { headers: srv.auth });
    const messages = ((await res.json()) as { messages: Array<{ role: string; content: string; versions?: { index: number } }> }).messages;
    expect(messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
    expect(messages[1]!.content.startsWith(version1)).toBe(true);
    expect(messages[1]!.versions?.index).toBe(1);
    expect(messages[2]!.content).toBe('follow-up');

    for (const page of [a, b]) {
      await page.reload();
      await settled(page, 2);
      await expect.poll(() => page.getByTestId('version-count').first().textContent()).toContain('1/2');
      const view = await shown(page);
      expect(view[0]).toBe('You: first turn');
      expect(view[2]).toBe('You: follow-up');
    }
    await b.close();
  });
});
