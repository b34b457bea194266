// The basics people expect, in real Chromium against the real server (llama.cpp on a generated GGUF, the Claude stand-in):
// files attached to a message (picked and dropped) reach the core's prompt, binary ones are refused; the `?` shortcut list;
// search results show the matching words; all history exported as JSON; a key Claude refuses later turns red in Settings.
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

const CLAUDE_KEY = 'sk-ant-api03-e2e-basics-key-7777';

let claude: AnthropicStandIn;
let srv: TestServer;
let dir: string;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  ensureUiBuilt();
  dir = mkdtempSync(path.join(os.tmpdir(), 'hai-e2e-basics-'));
  const gguf = await makeTinyGguf(path.join(dir, 'tiny.gguf'));
  claude = await startAnthropicStandIn({ apiKey: CLAUDE_KEY, deltaDelayMs: 1, answerWords: 6 });
  srv = await startTestServer({
    env: { HYBRID_AI_LOCAL_MODEL: gguf.path, ANTHROPIC_BASE_URL: claude.url, HYBRID_AI_THREADS: '1' },
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

/** Wait until no answer streams and the chat has `count` answers. */
async function settled(count: number): Promise<void> {
  await page.waitForFunction((n) => {
    const all = Array.from(document.querySelectorAll('article[aria-label="Answer"]'));
    return (
      all.length === n && all.every((a) => a.getAttribute('data-state') !== 'streaming') && !document.querySelector('[aria-busy="true"]')
    );
  }, count);
}

const conversationInUrl = (): string => decodeURIComponent(page.url().split('#/chat/')[1] ?? '');

async function storedPath(): Promise<any[]> {
  const res = await fetch(`${srv.url}/api/v1/conversations/${conversationInUrl()}`, { headers: srv.auth });
  return ((await res.json()) as { messages: any[] }).messages;
}

describe('attachments, shortcuts, search, export, key status', () => {
  it('picked and dropped text files become chips and reach the prompt named and fenced; a binary file is refused', async () => {
    await page.locator('#prompt').fill('hello');
    await page.keyboard.press('Enter');
    await settled(1);
    const bare = (await storedPath())[1].summary.usage.input_tokens as number;

    await page.getByTestId('attach-input').setInputFiles([
      { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('The code word is PELICAN.\nKeep it safe.\n') },
      { name: 'logo.png', mimeType: 'image/png', buffer: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]) },
    ]);
    await page.getByRole('list', { name: 'Attached files' }).waitFor();
    expect(await page.getByRole('alert').filter({ hasText: 'logo.png' }).textContent()).toMatch(/“logo\.png” is not a text file/);
    // Dropped onto the composer, as from a file manager.
    const dropped = await page.evaluateHandle(() => {
      const dt = new DataTransfer();
      dt.items.add(new File(['def area(r):\n    return 3.14159 * r * r\n'], 'calc.py', { type: 'text/x-python' }));
      dt.items.add(new File(['dropped by mistake\n'], 'mistake.txt', { type: 'text/plain' }));
      return dt;
    });
    await page.dispatchEvent('form.composer', 'drop', { dataTransfer: dropped });
    await page.getByRole('button', { name: 'Remove mistake.txt' }).waitFor();
    const chips = page.getByRole('list', { name: 'Attached files' }).getByRole('listitem');
    expect(await chips.allTextContents()).toEqual([
      expect.stringContaining('notes.txt'),
      expect.stringContaining('calc.py'),
      expect.stringContaining('mistake.txt'),
    ]);
    await page.getByRole('button', { name: 'Remove mistake.txt' }).click();
    await expect.poll(() => chips.count()).toBe(2);

    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      expect(describeViolations(await seriousAxeViolations(page))).toBe('');
      await screenshot(page, `chat-attachments-${scheme}`);
    }
    await page.emulateMedia({ colorScheme: 'light' });

    await page.locator('#prompt').fill('What is the code word?');
    await page.keyboard.press('Enter');
    await settled(2);
    expect(await chips.count()).toBe(0);
    // What the core received (and stored) is the prompt with both files, named and fenced, then the question.
    const stored = await storedPath();
    expect(stored[2].content).toBe(
      'File: notes.txt\n```txt\nThe code word is PELICAN.\nKeep it safe.\n```\n\n' +
        'File: calc.py\n```py\ndef area(r):\n    return 3.14159 * r * r\n```\n\nWhat is the code word?',
    );
    // The bubble folds each file to its name and size; the question reads as typed.
    const bubble = page.locator('article[aria-label="You"] .bubble').last();
    expect(await bubble.getByTestId('bubble-file').locator('summary').allTextContents()).toEqual([
      expect.stringContaining('notes.txt'),
      expect.stringContaining('calc.py'),
    ]);
    expect(await bubble.getByTestId('bubble-file').first().locator('pre').isVisible()).toBe(false);
    expect(await bubble.evaluate((el) => el.lastChild?.textContent)).toBe('What is the code word?');
    await bubble.getByTestId('bubble-file').first().locator('summary').click();
    expect(await bubble.getByTestId('bubble-file').first().locator('pre').textContent()).toBe('The code word is PELICAN.\nKeep it safe.\n');
    await bubble.scrollIntoViewIfNeeded();
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      expect(describeViolations(await seriousAxeViolations(page))).toBe('');
      await screenshot(page, `chat-attachment-bubble-${scheme}`);
    }
    await page.emulateMedia({ colorScheme: 'light' });
    // It counted: the model read the files' tokens (the earlier one-word prompt read far fewer).
    expect(stored[3].summary.usage.input_tokens).toBeGreaterThan(bare + 20);
  });

  it('`?` outside a text field lists the shortcuts, Esc closes it; in the message box it types a "?"', async () => {
    await page.locator('#prompt').fill('');
    await page.locator('#prompt').press('?');
    expect(await page.locator('#prompt').inputValue()).toBe('?');
    expect(await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).count()).toBe(0);
    await page.locator('#prompt').fill('');

    await page.locator('#chat-title').click();
    await page.keyboard.press('?');
    const dialog = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await dialog.waitFor();
    const text = (await dialog.textContent()) ?? '';
    for (const s of ['New chat', 'Send the message', 'New line in the message', 'Stop the answer being written', 'Show this list'])
      expect(text).toContain(s);
    expect(describeViolations(await seriousAxeViolations(page))).toBe('');
    await screenshot(page, 'shortcuts-light');
    await page.keyboard.press('Escape');
    await expect.poll(() => dialog.count()).toBe(0);
  });

  it('a search shows the words around the hit in each result, the hit marked', async () => {
    await page.locator('#conv-search').fill('pelican');
    const snippet = page.getByTestId('conv-snippet');
    await snippet.waitFor();
    expect(await snippet.textContent()).toContain('The code word is PELICAN.');
    expect(await snippet.locator('mark').textContent()).toBe('PELICAN');
    expect(describeViolations(await seriousAxeViolations(page))).toBe('');
    await screenshot(page, 'search-snippet-light');
    await page.locator('#conv-search').fill('');
  });

  it('the dashboard says what its savings count, and an answer rated down stops counting as a saving', async () => {
    const stats = async (): Promise<any> =>
      ((await (await fetch(`${srv.url}/api/v1/stats?range=7d`, { headers: srv.auth })).json()) as any).totals;
    const before = (await stats()).savings_micros as number;
    const first = (await storedPath())[1];
    expect(first.summary.savings_micros).toBeGreaterThan(0);
    await page.locator('article[aria-label="Answer"]').first().getByRole('button', { name: 'Thumbs down' }).click();
    await expect.poll(async () => (await stats()).savings_micros).toBe(before - first.summary.savings_micros);

    const conv = page.url();
    await page.goto(`${srv.url}/#/dashboard`);
    const note = page.getByTestId('savings-note');
    await note.waitFor();
    expect(await note.textContent()).toMatch(
      /minus what it really cost\. Answers you rated down, retried, or replaced with Claude’s count nothing/,
    );
    const totals = await stats();
    await expect.poll(() => page.getByTestId('stat-saved').textContent()).toBe(formatMoney(totals.savings_micros));
    await page.goto(conv);
    await page.locator('#prompt').waitFor();
  });

  it('Settings exports all history as one JSON file with every message', async () => {
    const conv = conversationInUrl();
    await page.goto(`${srv.url}/#/settings`);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export all history (.json)' }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^hybrid-ai-history-\d{4}-\d{2}-\d{2}\.json$/);
    const doc = JSON.parse(readFileSync((await download.path())!, 'utf8'));
    expect(doc).toMatchObject({ format: 'hybrid-ai-history', version: 1 });
    const mine = doc.conversations.find((c: any) => c.id === conv);
    expect(mine.messages.map((m: any) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
    expect(mine.messages[2].content).toContain('File: notes.txt');
    await expect.poll(() => page.getByTestId('saved-toast').textContent()).toMatch(/^Exported \d+ conversations and \d+ messages/);
  });

  it('a key Claude refuses on a later request turns red in Settings with a fix-it hint, cleared by a new key', async () => {
    const put = await fetch(`${srv.url}/api/v1/settings/claude-key`, {
      method: 'PUT',
      headers: { ...srv.auth, 'content-type': 'application/json' },
      body: JSON.stringify({ key: CLAUDE_KEY }),
    });
    expect(((await put.json()) as any).test).toEqual({ ok: true });
    await page.reload();
    await page.getByTestId('key-mask').waitFor();
    expect(await page.getByTestId('key-last-error').count()).toBe(0);

    // The key is revoked upstream: the next Claude request is refused (the answer falls back to the local model).
    claude.setMode({ kind: 'error', status: 401 });
    try {
      await page.goto(`${srv.url}/#/chat`);
      await page.locator('#prompt').waitFor();
      await page.getByLabel('Model for this message').selectOption('claude-sonnet');
      await page.locator('#prompt').fill('Say hi');
      await page.keyboard.press('Enter');
      await settled(1);
    } finally {
      claude.setMode({ kind: 'normal' });
    }
    await page.goto(`${srv.url}/#/settings`);
    const hint = page.getByTestId('key-last-error');
    await hint.waitFor();
    expect(await hint.textContent()).toMatch(/^Claude refused this key.*console\.anthropic\.com → API keys and use Replace\.$/);
    expect(await page.locator('.key-dot').getAttribute('class')).toContain('key-dot-bad');
    expect(describeViolations(await seriousAxeViolations(page))).toBe('');
    await hint.scrollIntoViewIfNeeded();
    await screenshot(page, 'settings-key-refused-light');

    await page.getByRole('button', { name: 'Replace' }).click();
    await page.locator('#claude-key').fill(CLAUDE_KEY);
    await page.getByRole('button', { name: 'Save key' }).click();
    await expect.poll(() => page.getByTestId('key-test').textContent()).toBe('Claude accepted the key (a one-token test call answered).');
    expect(await hint.count()).toBe(0);
    expect(await page.locator('.key-dot').getAttribute('class')).not.toContain('key-dot-bad');
  });
});
