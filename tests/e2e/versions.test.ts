// Versions instead of deletion, in real Chromium against the real server (llama.cpp on a generated GGUF, the Claude
// stand-in): regenerate twice, switch versions, continue from version 1, reload, and check the ledger kept every attempt;
// a failed Retry with Claude keeps the original; edit-and-resend; one message deleted only after a confirmation; a chat the
// privacy guard kept local says so and offers no cloud action, with the reason.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatMoney } from '../../renderer/src/lib/format.js';
import { makeTinyGguf } from '../fixtures/make-tiny-gguf.js';
import { startTestServer, TOKEN, type TestServer } from '../integration/helpers.js';
import { startAnthropicStandIn, type AnthropicStandIn } from '../stand-ins/anthropic-server.js';
import { describeViolations, ensureUiBuilt, openBrowser, screenshot, seriousAxeViolations, type Browser } from './browser.js';

const CLAUDE_KEY = 'sk-ant-api03-e2e-versions-key';

let claude: AnthropicStandIn;
let srv: TestServer;
let dir: string;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  ensureUiBuilt();
  dir = mkdtempSync(path.join(os.tmpdir(), 'hai-e2e-versions-'));
  const gguf = await makeTinyGguf(path.join(dir, 'tiny.gguf'));
  claude = await startAnthropicStandIn({ apiKey: CLAUDE_KEY, deltaDelayMs: 1, answerWords: 12 });
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

const answers = () => page.locator('article[aria-label="Answer"]');
const prompts = () => page.locator('article[aria-label="You"] .bubble');

async function send(text: string): Promise<void> {
  await page.locator('#prompt').fill(text);
  await page.keyboard.press('Enter');
}

/** Wait until no answer streams and the chat has `count` answers, the last one finished. */
async function settled(count: number): Promise<void> {
  await page.waitForFunction((n) => {
    const all = Array.from(document.querySelectorAll('article[aria-label="Answer"]'));
    return (
      all.length === n && all.every((a) => a.getAttribute('data-state') !== 'streaming') && !document.querySelector('[aria-busy="true"]')
    );
  }, count);
}

const conversationInUrl = (): string => decodeURIComponent(page.url().split('#/chat/')[1] ?? '');

/** The prompts on screen, in order. */
const promptTexts = async (): Promise<string[]> => prompts().allTextContents();

/** The "n/m" of the versions switcher of answer `i` ('' when it has none). */
async function versionOf(i: number): Promise<string> {
  const v = answers().nth(i).getByTestId('version-count');
  return (await v.count()) ? ((await v.textContent()) ?? '').replace('Version ', '') : '';
}

/** The stored messages on the server's path (what a reload shows). */
async function storedPath(): Promise<any[]> {
  const res = await fetch(`${srv.url}/api/v1/conversations/${conversationInUrl()}`, { headers: srv.auth });
  return ((await res.json()) as { messages: any[] }).messages;
}

describe('versions of a turn', () => {
  it('regenerate twice, switch back, continue from version 1, reload: everything is still there, and in the ledger', async () => {
    await send('first');
    await settled(1);
    await send('second');
    await settled(2);
    await send('third');
    await settled(3);
    const conv = conversationInUrl();
    expect(conv).not.toBe('');
    const original = (await storedPath())[3];
    expect(original.role).toBe('assistant');

    // Regenerate answer 2 twice: each is a new version; the turn after version 1 is not deleted, only not shown.
    await answers().nth(1).getByRole('button', { name: 'Regenerate' }).click();
    await settled(2);
    await expect.poll(() => versionOf(1)).toBe('2/2');
    expect(await promptTexts()).toEqual(['first', 'second']);
    await answers().nth(1).getByRole('button', { name: 'Regenerate' }).click();
    await settled(2);
    await expect.poll(() => versionOf(1)).toBe('3/3');
    const third = (await storedPath())[3];
    expect(third.versions).toEqual({ index: 3, count: 3, ids: [original.id, expect.any(String), third.id] });

    // Back to version 1: the third turn comes back with it.
    await answers().nth(1).getByRole('button', { name: 'Previous version' }).click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=version-count]')[0]?.textContent?.includes('2/3'));
    await answers().nth(1).getByRole('button', { name: 'Previous version' }).click();
    await settled(3);
    await expect.poll(() => versionOf(1)).toBe('1/3');
    expect(await promptTexts()).toEqual(['first', 'second', 'third']);
    expect(await answers().nth(1).getByRole('button', { name: 'Previous version' }).isDisabled()).toBe(true);

    // Continue from version 1.
    await send('fourth');
    await settled(4);
    expect(await promptTexts()).toEqual(['first', 'second', 'third', 'fourth']);

    await answers().nth(1).getByTestId('versions').scrollIntoViewIfNeeded();
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      expect(describeViolations(await seriousAxeViolations(page))).toBe('');
      await screenshot(page, `chat-versions-${scheme}`);
    }
    await page.emulateMedia({ colorScheme: 'light' });

    // Reload: the same path, version 1 of answer 2 with its switcher, and the continuation; it opens at the latest message.
    await page.reload();
    await settled(4);
    await expect
      .poll(() => page.locator('.messages').evaluate((el) => Math.round(el.scrollHeight - el.scrollTop - el.clientHeight)))
      .toBeLessThanOrEqual(1);
    expect(await page.locator('.messages').evaluate((el) => el.scrollHeight > el.clientHeight * 1.5)).toBe(true);
    expect(await promptTexts()).toEqual(['first', 'second', 'third', 'fourth']);
    await expect.poll(() => versionOf(1)).toBe('1/3');
    expect((await storedPath())[3].id).toBe(original.id);

    // Version 3 still stands on its own (no later turns), and switching back again restores the four turns.
    await answers().nth(1).getByRole('button', { name: 'Next version' }).click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=version-count]')[0]?.textContent?.includes('2/3'));
    await answers().nth(1).getByRole('button', { name: 'Next version' }).click();
    await settled(2);
    await expect.poll(() => versionOf(1)).toBe('3/3');
    expect(await promptTexts()).toEqual(['first', 'second']);

    // The ledger: four prompts, six answers (three versions of answer 2), each answer its own ok request row.
    const stored = await srv.core.ledger.listMessages(conv);
    expect(stored.filter((m) => m.role === 'user').map((m) => m.content)).toEqual(['first', 'second', 'third', 'fourth']);
    const stAnswers = stored.filter((m) => m.role === 'assistant');
    expect(stAnswers).toHaveLength(6);
    const second = stored.find((m) => m.content === 'second')!;
    expect(stAnswers.filter((m) => m.parentId === second.id)).toHaveLength(3);
    const rows = await srv.core.ledger.recent(50);
    for (const a of stAnswers) expect(rows.find((r) => r.id === a.requestId)?.status, a.id).toBe('ok');
    // why 150 s: six real llama.cpp answers, two reloads and two axe runs; 20-45 s measured on a 2-core machine shared
    // with other test runs.
  }, 150_000);

  it('a Retry with Claude that fails keeps the original answer, says why, records no miss, and the ledger keeps the attempt', async () => {
    await page.keyboard.press('Control+k');
    await page.getByRole('heading', { name: 'New chat' }).waitFor();
    await send('hello there');
    await settled(1);
    const before = await storedPath();
    const originalText = await answers().first().locator('.markdown').textContent();
    const feedbackBefore = (await srv.core.ledger.feedbackSamples(0)).length;
    claude.setMode({ kind: 'error', status: 401 });
    try {
      await answers().first().getByRole('button', { name: 'Retry with Claude' }).click();
      await page.getByTestId('version-error').waitFor();
    } finally {
      claude.setMode({ kind: 'normal' });
    }
    expect(await page.getByTestId('version-error').textContent()).toMatch(/^Retry with Claude failed: .+ This answer is kept\.$/);
    expect(await answers().count()).toBe(1);
    expect(await answers().first().locator('.markdown').textContent()).toBe(originalText);
    // Nothing changed on the server but the ledger's row of the failed attempt.
    expect((await storedPath()).map((m) => m.id)).toEqual(before.map((m) => m.id));
    expect((await srv.core.ledger.feedbackSamples(0)).length).toBe(feedbackBefore);
    const failed = (await srv.core.ledger.recent(1))[0]!;
    expect(failed).toMatchObject({ model: 'claude-sonnet', status: 'error' });

    await page.reload();
    await settled(1);
    expect(await answers().first().locator('.markdown').textContent()).toBe(originalText);
    await expect.poll(() => versionOf(0)).toBe('');
  });

  it('edit and resend adds a version of the prompt; deleting one message asks first and keeps the rest', async () => {
    await send('follow-up');
    await settled(2);
    // Edit the first prompt: a second version of it, with its own answer; the original stays as version 1.
    await page.locator('article[aria-label="You"]').first().getByRole('button', { name: 'Edit and resend' }).click();
    await page.getByLabel('Edit your message').fill('hello again, edited');
    await page.getByRole('button', { name: 'Send as a new version' }).click();
    await settled(1);
    expect(await promptTexts()).toEqual(['hello again, edited']);
    const promptVersions = page.locator('article[aria-label="You"]').first().getByTestId('version-count');
    expect((await promptVersions.textContent())?.replace('Version ', '')).toBe('2/2');
    await page.locator('article[aria-label="You"]').first().getByRole('button', { name: 'Previous version' }).click();
    await settled(2);
    expect(await promptTexts()).toEqual(['hello there', 'follow-up']);

    // Delete the first answer: Cancel deletes nothing; Delete removes only that answer, the follow-up stays.
    const count = (await srv.core.ledger.listMessages(conversationInUrl())).length;
    await answers().first().getByRole('button', { name: 'Delete this answer' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete this answer?' });
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expect((await srv.core.ledger.listMessages(conversationInUrl())).length).toBe(count);
    expect(await answers().count()).toBe(2);
    await answers().first().getByRole('button', { name: 'Delete this answer' }).click();
    await dialog.getByRole('button', { name: 'Delete' }).click();
    await settled(1);
    expect(await promptTexts()).toEqual(['hello there', 'follow-up']);
    expect((await srv.core.ledger.listMessages(conversationInUrl())).length).toBe(count - 1);
    await page.reload();
    await settled(1);
    expect(await promptTexts()).toEqual(['hello there', 'follow-up']);
  });
});

describe('a chat the privacy guard kept on this computer', () => {
  it('the answer carries its own pill; Claude is off for it and every later turn, with the reason; the core refuses the same with a clear 403', async () => {
    await page.keyboard.press('Control+k');
    await page.getByRole('heading', { name: 'New chat' }).waitFor();
    const claudeCalls = claude.requests.length;
    await send('my password is sunshine, can you make it stronger?');
    await settled(1);
    const first = answers().first();
    expect((await first.getByTestId('badge-private').textContent())?.trim()).toBe('kept on this computer: contained a password');
    const retryCloud = first.getByRole('button', { name: 'Retry with Claude' });
    expect(await retryCloud.isDisabled()).toBe(true);
    const why = 'Kept on this computer: this chat contains a password. Edit or delete that message, or start a new chat, to use Claude.';
    expect(await retryCloud.getAttribute('title')).toBe(why);
    // Retry locally and Regenerate stay on this machine, so they remain.
    expect(await first.getByRole('button', { name: 'Retry locally' }).isDisabled()).toBe(false);
    // The picker offers no Claude for this chat, and says why.
    const claudeOption = page.getByLabel('Model for this message').locator('option[value="claude-sonnet"]');
    expect(await claudeOption.isDisabled()).toBe(true);
    expect(await claudeOption.textContent()).toMatch(/this chat contains a password/);
    expect(await page.getByTestId('chat-private').textContent()).toMatch(/This chat stays on this computer: it contains a password/);

    // A later, harmless turn: still local, and its Claude retry is off for the same reason (it would carry the password).
    await send('thanks, and what is 2 + 2?');
    await settled(2);
    expect(await answers().nth(1).getByRole('button', { name: 'Retry with Claude' }).getAttribute('title')).toBe(why);
    expect(claude.requests.length).toBe(claudeCalls);

    // The core says the same to a caller that asks for Claude anyway: a 403 naming the privacy guard, not local-only mode.
    const res = await fetch(`${srv.url}/api/v1/chat`, {
      method: 'POST',
      headers: { ...srv.auth, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'claude-sonnet',
        messages: [
          { role: 'user', content: 'my password is sunshine, can you make it stronger?' },
          { role: 'assistant', content: 'ok' },
          { role: 'user', content: 'what is 2 + 2?' },
        ],
      }),
    });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/privacy guard: .*a password/);
    expect(claude.requests.length).toBe(claudeCalls);

    // Reopened: the pill and the disabled action come back from the stored answers.
    await page.reload();
    await settled(2);
    expect((await answers().first().getByTestId('badge-private').textContent())?.trim()).toBe(
      'kept on this computer: contained a password',
    );
    expect(await answers().first().getByRole('button', { name: 'Retry with Claude' }).isDisabled()).toBe(true);

    // Editing the password out (a new version of the prompt) gives Claude back for the chat.
    await page.locator('article[aria-label="You"]').first().getByRole('button', { name: 'Edit and resend' }).click();
    await page.getByLabel('Edit your message').fill('how do I make a strong password?');
    await page.getByRole('button', { name: 'Send as a new version' }).click();
    await settled(1);
    expect(await answers().first().getByTestId('badge-private').count()).toBe(0);
    expect(await answers().first().getByRole('button', { name: 'Retry with Claude' }).isDisabled()).toBe(false);
    expect(await claudeOption.isDisabled()).toBe(false);

    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await page.locator('article[aria-label="You"]').first().getByRole('button', { name: 'Previous version' }).click();
      await settled(2);
      expect(describeViolations(await seriousAxeViolations(page))).toBe('');
      await screenshot(page, `chat-private-${scheme}`);
      await page.locator('article[aria-label="You"]').first().getByRole('button', { name: 'Next version' }).click();
      await settled(1);
    }
    await page.emulateMedia({ colorScheme: 'light' });
  }, 60_000);
});

describe('export', () => {
  it('downloads the conversation on screen as Markdown and as JSON, with each answer’s model and cost', async () => {
    await page.keyboard.press('Control+k');
    await page.getByRole('heading', { name: 'New chat' }).waitFor();
    await send('Name a prime number');
    await settled(1);
    await page.getByLabel('Model for this message').selectOption('claude-sonnet');
    await send('And another one');
    await settled(2);
    const stored = await storedPath();
    // The badge says first, in plain words, where each answer came from and what it cost or saved (the API's amounts).
    expect(await answers().nth(0).getByTestId('badge-plain').textContent()).toBe(
      `Answered free on this computer · saved ${formatMoney(stored[1].summary.savings_micros)} vs Claude`,
    );
    expect(await answers().nth(1).getByTestId('badge-plain').textContent()).toBe(
      `Answered by Claude · ${formatMoney(stored[3].summary.cost_micros)}`,
    );
    const grab = async (name: string): Promise<{ file: string; text: string }> => {
      const [dl] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name }).click()]);
      return { file: dl.suggestedFilename(), text: readFileSync((await dl.path())!, 'utf8') };
    };
    const md = await grab('Export as .md');
    expect(md.file).toBe('Name-a-prime-number.md');
    expect(md.text).toMatch(/^# Name a prime number\n/);
    expect(md.text).toContain('## You\n\nName a prime number\n');
    expect(md.text).toContain('## You\n\nAnd another one\n');
    expect(md.text).toContain(`## Answer · claude-sonnet (Anthropic, cloud)`);
    expect(md.text).toContain(stored[3].content);

    const js = await grab('Export as .json');
    expect(js.file).toBe('Name-a-prime-number.json');
    const doc = JSON.parse(js.text) as { title: string; conversation_id: string; messages: any[] };
    expect(doc.title).toBe('Name a prime number');
    expect(doc.conversation_id).toBe(conversationInUrl());
    expect(doc.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
    expect(doc.messages.map((m) => m.content)).toEqual(stored.map((m) => m.content));
    expect(doc.messages[3]).toMatchObject({
      request_id: stored[3].request_id,
      routing: { model: 'claude-sonnet', engine: 'anthropic', route: 'cloud' },
      cost_micros: stored[3].summary.cost_micros,
    });
    expect(doc.messages[3].cost_micros).toBeGreaterThan(0);
  }, 60_000);
});
