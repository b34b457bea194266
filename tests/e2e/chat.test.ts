// The chat screen in real Chromium against the real server: embedded llama.cpp on a generated GGUF, the Claude stand-in.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatMoney } from '../../renderer/src/lib/format.js';
import { makeTinyGguf } from '../fixtures/make-tiny-gguf.js';
import { startTestServer, TOKEN, type TestServer } from '../integration/helpers.js';
import { startAnthropicStandIn, type AnthropicStandIn } from '../stand-ins/anthropic-server.js';
import { describeViolations, ensureUiBuilt, openBrowser, screenshot, seriousAxeViolations, SHOTS_DIR, type Browser } from './browser.js';

const CLAUDE_KEY = 'sk-ant-api03-e2e-ui-key-never-shown';
/** Claude stand-in pace: 40 ms per word × 30 words ≈ 1.2 s, slow enough to watch the answer grow. */
const DELTA_MS = 40;

let claude: AnthropicStandIn;
let srv: TestServer;
let ggufDir: string;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  ensureUiBuilt();
  ggufDir = mkdtempSync(path.join(os.tmpdir(), 'hai-e2e-ui-'));
  const gguf = await makeTinyGguf(path.join(ggufDir, 'tiny.gguf'));
  claude = await startAnthropicStandIn({ apiKey: CLAUDE_KEY, deltaDelayMs: DELTA_MS, answerWords: 30 });
  srv = await startTestServer({
    env: { HYBRID_AI_LOCAL_MODEL: gguf.path, ANTHROPIC_API_KEY: CLAUDE_KEY, ANTHROPIC_BASE_URL: claude.url, HYBRID_AI_THREADS: '1' },
    args: ['--tier', '2', '--history'],
  });
  browser = await openBrowser();
  page = browser.page;
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await srv?.close();
  await claude?.close();
  rmSync(ggufDir, { recursive: true, force: true });
});

const answers = () => page.locator('article[aria-label="Answer"]');
const lastAnswer = () => answers().last();

async function send(text: string): Promise<void> {
  await page.locator('#prompt').fill(text);
  await page.keyboard.press('Enter');
}

/** Wait until the last answer's data-state is `state`; on timeout the error says what the page and the ledger show. */
async function waitForAnswerState(state: 'done' | 'stopped' | 'error', timeout = 20_000): Promise<void> {
  try {
    await page.waitForFunction(
      (s) => {
        const all = document.querySelectorAll('article[aria-label="Answer"]');
        return all[all.length - 1]?.getAttribute('data-state') === s;
      },
      state,
      { timeout },
    );
  } catch (e) {
    const seen = await page
      .evaluate(() => {
        const all = document.querySelectorAll('article[aria-label="Answer"]');
        const last = all[all.length - 1];
        return {
          url: location.hash,
          answers: all.length,
          lastState: last?.getAttribute('data-state') ?? null,
          lastText: (last?.textContent ?? '').slice(0, 200),
          composer: (document.getElementById('prompt') as HTMLTextAreaElement | null)?.value ?? null,
        };
      })
      .catch((err: unknown) => `page did not answer: ${String(err)}`);
    const rows = srv.core.ledger
      .recent(3)
      .map((r) => ({ model: r.model, status: r.status, errorType: r.errorType, latencyMs: r.latencyMs }));
    throw new Error(
      `answer never reached "${state}": ${(e as Error).message}\npage: ${JSON.stringify(seen)}\nledger: ${JSON.stringify(rows)}\nconsole: ${JSON.stringify(browser.console.slice(-5))}`,
    );
  }
}

async function until<T>(fn: () => T | Promise<T>, ok: (v: T) => boolean, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (ok(v) || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function apiJson(url: string): Promise<any> {
  const res = await fetch(`${srv.url}${url}`, { headers: srv.auth });
  return res.json();
}

describe('chat in Chromium', () => {
  it('takes the token from the #token= link, keeps it for reloads and removes it from the address bar', async () => {
    await page.goto(`${srv.url}/#token=${TOKEN}`);
    await page.locator('#prompt').waitFor();
    expect(page.url()).not.toContain('token');
    expect(page.url()).not.toContain(TOKEN);
    expect(await page.evaluate(() => sessionStorage.getItem('hybrid-ai.token'))).toBe(TOKEN);
    await page.reload();
    await page.locator('#prompt').waitFor();
    // The served page carries the strict CSP header.
    const res = await fetch(`${srv.url}/`);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
  });

  it('without the link it asks for the token, refuses a wrong one and accepts the right one', async () => {
    const other = await browser.context.newPage();
    try {
      await other.goto(srv.url);
      await other.getByRole('heading', { name: 'Connect to Hybrid AI' }).waitFor();
      await other.getByLabel('API token').fill('wrong-token-000000000');
      await other.getByRole('button', { name: 'Connect' }).click();
      await other.getByText('That token was not accepted.').waitFor();
      await other.getByLabel('API token').fill(TOKEN);
      await other.getByRole('button', { name: 'Connect' }).click();
      await other.locator('#prompt').waitFor();
    } finally {
      await other.close();
    }
  });

  it('sends a prompt, streams the answer from llama.cpp and shows the badge with route, model and cost', async () => {
    await send('hi');
    await waitForAnswerState('done');
    const badge = lastAnswer().locator('[data-testid=route-badge]');
    await expect.poll(() => badge.locator('.route-pill').textContent()).toBe('small');
    expect(await badge.locator('[data-testid=badge-model]').textContent()).toBe('tiny');
    expect(await badge.textContent()).toContain('llama.cpp (embedded)');
    const row = srv.core.ledger.recent(1)[0]!;
    expect(row).toMatchObject({ model: 'tiny', engine: 'llamacpp', status: 'ok', costMicros: 0 });
    expect(await badge.locator('[data-testid=badge-cost]').textContent()).toBe(formatMoney(row.costMicros));
    expect(await badge.locator('[data-testid=badge-all-cloud]').textContent()).toBe(`on Claude ${formatMoney(row.allCloudMicros)}`);
    expect((await lastAnswer().locator('.markdown').textContent())?.length).toBeGreaterThan(0);
  });

  it('a model chosen in the picker answers; the text grows while streaming; the badge shows the cloud cost', async () => {
    await page.getByLabel('Model for this message').selectOption('claude-sonnet');
    await send('Tell me about the history of the printing press');
    // Seen mid-stream: some text, still streaming (Stop is shown).
    const midLength = await page.waitForFunction(
      () => {
        const all = document.querySelectorAll('article[aria-label="Answer"]');
        const last = all[all.length - 1];
        const len = last?.querySelector('.markdown')?.textContent?.length ?? 0;
        return last?.getAttribute('data-state') === 'streaming' && len > 0 ? len : false;
      },
      undefined,
      { timeout: 15_000 },
    );
    const mid = (await midLength.jsonValue()) as number;
    expect(await page.getByRole('button', { name: 'Stop generating (Esc)' }).isVisible()).toBe(true);
    await waitForAnswerState('done');
    const full = (await lastAnswer().locator('.markdown').textContent()) ?? '';
    expect(full.length).toBeGreaterThan(mid);
    const badge = lastAnswer().locator('[data-testid=route-badge]');
    expect(await badge.locator('.route-pill').textContent()).toBe('cloud');
    expect(await badge.locator('[data-testid=badge-model]').textContent()).toBe('claude-sonnet');
    const row = srv.core.ledger.recent(1)[0]!;
    expect(row.costMicros).toBeGreaterThan(0);
    expect(await badge.locator('[data-testid=badge-cost]').textContent()).toBe(formatMoney(row.costMicros));
    expect(claude.requests.at(-1)?.body).toMatchObject({ stream: true });
    await page.getByLabel('Model for this message').selectOption('auto');
  });

  it('Stop and Esc abort the stream; the partial answer stays and the ledger records an abort', async () => {
    claude.setDeltaDelay(400);
    try {
      for (const how of ['button', 'escape'] as const) {
        const before = claude.disconnects;
        await page.getByLabel('Model for this message').selectOption('claude-sonnet');
        await send(`Write a long essay about rivers (${how})`);
        await page.waitForFunction(() => {
          const all = document.querySelectorAll('article[aria-label="Answer"]');
          const last = all[all.length - 1];
          return last?.getAttribute('data-state') === 'streaming' && (last.querySelector('.markdown')?.textContent?.length ?? 0) > 0;
        });
        if (how === 'button') await page.getByRole('button', { name: 'Stop generating (Esc)' }).click();
        else await page.keyboard.press('Escape');
        await waitForAnswerState('stopped', 5_000);
        expect(await lastAnswer().getByText('Stopped.').isVisible()).toBe(true);
        expect(await page.getByRole('button', { name: 'Send (Enter)' }).isVisible()).toBe(true);
        const row = await until(
          () => srv.core.ledger.recent(1)[0]!,
          (r) => r.status === 'aborted',
        );
        expect(row.status).toBe('aborted');
        expect(
          await until(
            () => claude.disconnects,
            (d) => d > before,
          ),
        ).toBeGreaterThan(before);
      }
    } finally {
      claude.setDeltaDelay(DELTA_MS);
      await page.getByLabel('Model for this message').selectOption('auto');
    }
  });

  it('Retry with Claude replaces a local answer, on screen and in the stored conversation', async () => {
    await send('hello again');
    await waitForAnswerState('done');
    const count = await answers().count();
    expect(await lastAnswer().locator('[data-testid=badge-model]').textContent()).toBe('tiny');
    await lastAnswer().getByRole('button', { name: 'Retry with Claude' }).click();
    await page.waitForFunction(() => {
      const all = document.querySelectorAll('article[aria-label="Answer"]');
      const last = all[all.length - 1];
      return (
        last?.getAttribute('data-state') === 'done' && last.querySelector('[data-testid=badge-model]')?.textContent === 'claude-sonnet'
      );
    });
    expect(await answers().count()).toBe(count);
    const id = decodeURIComponent(page.url().split('#/chat/')[1] ?? '');
    const stored = await apiJson(`/api/v1/conversations/${id}`);
    const last2 = stored.messages.slice(-2);
    expect(last2.map((m: any) => [m.role, m.content === 'hello again' || m.routing?.model])).toEqual([
      ['user', true],
      ['assistant', 'claude-sonnet'],
    ]);
    expect(stored.messages.filter((m: any) => m.content === 'hello again')).toHaveLength(1);
  });

  it('keyboard: Shift+Enter adds a line, Enter sends, Ctrl+K starts a new chat from any screen', async () => {
    await page.locator('#prompt').click();
    await page.keyboard.type('line one');
    await page.keyboard.press('Shift+Enter');
    await page.keyboard.type('line two');
    expect(await page.locator('#prompt').inputValue()).toBe('line one\nline two');
    await page.keyboard.press('Enter');
    await waitForAnswerState('done');
    expect(await page.locator('article[aria-label="You"] .bubble').last().textContent()).toBe('line one\nline two');
    await page.goto(`${srv.url}/#/dashboard`);
    await page.getByRole('heading', { name: 'Cost dashboard' }).waitFor();
    await page.keyboard.press('Control+k');
    await page.getByRole('heading', { name: 'New chat' }).waitFor();
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('prompt');
    expect(await answers().count()).toBe(0);
  });

  it('new chat, search, rename and delete conversations', async () => {
    await send('alpha question about owls');
    await waitForAnswerState('done');
    await page.keyboard.press('Control+k');
    await page.getByRole('heading', { name: 'New chat' }).waitFor();
    await send('beta question about bees');
    await waitForAnswerState('done');
    const list = page.getByRole('navigation', { name: 'Saved conversations' });
    await list.getByText('beta question about bees').waitFor();

    await page.getByLabel('Search conversations').fill('owls');
    await expect.poll(() => list.locator('.conv-link').count()).toBe(1);
    expect(await list.locator('.conv-title').textContent()).toBe('alpha question about owls');
    await page.getByLabel('Search conversations').fill('');
    await expect.poll(() => list.locator('.conv-link').count()).toBeGreaterThanOrEqual(2);

    await list.getByRole('button', { name: 'Rename “beta question about bees”' }).click();
    const rename = page.getByLabel('Rename conversation');
    await rename.fill('Bees, renamed');
    await rename.press('Enter');
    await list.getByText('Bees, renamed').waitFor();
    const all = await apiJson('/api/v1/conversations');
    const bees = all.conversations.find((c: any) => c.title === 'Bees, renamed');
    expect(bees).toBeDefined();

    await list.getByRole('button', { name: 'Delete “Bees, renamed”' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete this conversation?' });
    await dialog.getByRole('button', { name: 'Delete', exact: true }).click();
    await expect.poll(() => list.getByText('Bees, renamed').count()).toBe(0);
    const res = await fetch(`${srv.url}/api/v1/conversations/${bees.id}`, { headers: srv.auth });
    expect(res.status).toBe(404);
    // The deleted conversation was open: the app went back to a new chat.
    await page.getByRole('heading', { name: 'New chat' }).waitFor();
  });

  it('a message sent right after Ctrl+K is kept: the new chat starts at the key press, not a moment later', async () => {
    await send('gamma question about moths');
    await waitForAnswerState('done');
    expect(page.url()).toMatch(/#\/chat\/[\w-]+$/);
    // Ctrl+K, then the next prompt typed and sent before any timer can run: each step only waits for React's
    // microtask render. A new-chat reset deferred to a timer (as it once was) fires after this and aborts the
    // message; a person typing fast right after Ctrl+K, or a loaded machine, hit that race.
    await page.evaluate(async () => {
      const settle = async (): Promise<void> => {
        for (let i = 0; i < 5; i++) await new Promise<void>((r) => queueMicrotask(r));
      };
      window.dispatchEvent(new KeyboardEvent('keydown', { key: 'k', ctrlKey: true, bubbles: true, cancelable: true }));
      await settle();
      const box = document.getElementById('prompt') as HTMLTextAreaElement;
      Object.getOwnPropertyDescriptor(HTMLTextAreaElement.prototype, 'value')!.set!.call(box, 'delta question about wasps');
      box.dispatchEvent(new Event('input', { bubbles: true }));
      await settle();
      box.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true, cancelable: true }));
      await settle();
    });
    await waitForAnswerState('done');
    expect(await page.locator('article[aria-label="You"] .bubble').allTextContents()).toEqual(['delta question about wasps']);
    const convs = (await apiJson('/api/v1/conversations')).conversations;
    const wasps = convs.find((c: any) => c.title === 'delta question about wasps');
    expect(wasps).toBeDefined();
    await until(
      () => apiJson(`/api/v1/conversations/${wasps.id}`),
      (r) => r.messages.length === 2,
    );
    expect((await apiJson(`/api/v1/conversations/${wasps.id}`)).messages.map((m: any) => m.role)).toEqual(['user', 'assistant']);
  });

  it('has no serious accessibility violations, light and dark; screenshots of both', async () => {
    const conv = (await apiJson('/api/v1/conversations')).conversations[0];
    await page.goto(`${srv.url}/#/chat/${conv.id}`);
    await answers().first().waitFor();
    await page.waitForTimeout(300);
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      const v = await seriousAxeViolations(page);
      expect(describeViolations(v)).toBe('');
      await screenshot(page, `chat-${scheme}`);
    }
    await page.keyboard.press('Control+k');
    await page.getByRole('heading', { name: 'What can I help with?' }).waitFor();
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      const v = await seriousAxeViolations(page);
      expect(describeViolations(v)).toBe('');
      await screenshot(page, `chat-new-${scheme}`);
    }
    await page.emulateMedia({ colorScheme: 'light' });
  });

  it('first paint, and a 300-message conversation that opens and scrolls without long frames (numbers in perf.json)', async () => {
    // First paint of the built UI from a cold page.
    const fresh = await browser.context.newPage();
    await fresh.goto(`${srv.url}/#token=${TOKEN}`);
    await fresh.locator('#prompt').waitFor();
    // Chromium records the paint entry asynchronously, a frame or two after the DOM is there: wait for it.
    await fresh.waitForFunction(() => performance.getEntriesByName('first-contentful-paint').length > 0, null, { timeout: 10_000 });
    const fcp = await fresh.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? -1);
    await fresh.close();
    expect(fcp).toBeGreaterThan(0);

    // 150 exchanges straight into the real ledger, some with code blocks.
    const c = srv.core.ledger.createConversation('Three hundred messages', Date.now());
    for (let i = 0; i < 150; i++) {
      srv.core.ledger.appendMessages(
        c.id,
        [
          { role: 'user', content: `Question ${i}: how do I reverse a list?`, requestId: null },
          {
            role: 'assistant',
            content: `Answer ${i}:\n\n\`\`\`python\nitems.reverse()\n\`\`\`\n\nOr use **slicing**: \`items[::-1]\`.`,
            requestId: null,
          },
        ],
        Date.now(),
      );
    }
    const t0 = Date.now();
    await page.goto(`${srv.url}/#/chat/${c.id}`);
    await page.getByText('Answer 149:').waitFor();
    const openMs = Date.now() - t0;
    // The newest page renders first; earlier ones arrive as the reader scrolls up.
    expect(await page.locator('article.msg').count()).toBeLessThan(300);
    const t1 = Date.now();
    await page.evaluate(async () => {
      const el = document.querySelector('.messages')!;
      for (let i = 0; i < 200 && !document.body.textContent?.includes('Question 0:'); i++) {
        el.scrollTop = 0;
        await new Promise((r) => setTimeout(r, 50));
      }
    });
    await page.getByText('Question 0:').waitFor();
    const allLoadedMs = Date.now() - t1;
    expect(await page.locator('article.msg').count()).toBe(300);
    // Scroll the whole conversation back down the way a trackpad does (120 px per frame) and time every frame.
    const frames = await page.evaluate(async () => {
      const el = document.querySelector('.messages')!;
      el.scrollTop = 0;
      const times: number[] = [];
      let last = performance.now();
      while (el.scrollTop + el.clientHeight < el.scrollHeight - 1) {
        el.scrollTop += 120;
        await new Promise((r) => requestAnimationFrame(r));
        const now = performance.now();
        times.push(now - last);
        last = now;
      }
      return times.sort((a, b) => a - b);
    });
    const p95 = frames[Math.floor(frames.length * 0.95)]!;
    const longest = frames.at(-1)!;
    const perf = {
      firstContentfulPaintMs: Math.round(fcp),
      open300MessagesMs: openMs,
      loadEarlierMessagesMs: allLoadedMs,
      scrollFrames: frames.length,
      scrollP95FrameMs: Math.round(p95),
      scrollLongestFrameMs: Math.round(longest),
    };
    mkdirSync(SHOTS_DIR, { recursive: true });
    writeFileSync(path.join(SHOTS_DIR, 'perf.json'), JSON.stringify(perf, null, 2));
    // Generous bounds for a loaded 2-core CI machine; the measured numbers go to perf.json.
    expect(openMs).toBeLessThan(15_000);
    expect(p95).toBeLessThan(1_000);
  });

  it('quick ask (#/quick-ask, the desktop tray window): one prompt, the streamed answer and its badge', async () => {
    const qa = await browser.context.newPage();
    try {
      await qa.setViewportSize({ width: 560, height: 420 });
      await qa.goto(`${srv.url}/#token=${TOKEN}`);
      await qa.locator('#prompt').waitFor();
      await qa.evaluate(() => (window.location.hash = '#/quick-ask'));
      const box = qa.getByLabel('Ask a quick question');
      await box.waitFor();
      await expect.poll(() => qa.evaluate(() => document.activeElement?.id)).toBe('quick-prompt');
      expect(await qa.getByRole('navigation', { name: 'Main' }).count()).toBe(0);
      await box.fill('hi');
      await box.press('Enter');
      await qa.waitForFunction(() => document.querySelector('.quick article')?.getAttribute('data-state') === 'done');
      expect(await qa.getByTestId('badge-model').textContent()).toBe('tiny');
      // The question stays in view above its answer, and so does the badge (above a long answer, not below the fold).
      expect(await qa.getByTestId('quick-question').textContent()).toBe('You asked: hi');
      const badgeBox = (await qa.getByTestId('route-badge').boundingBox())!;
      expect(badgeBox.y + badgeBox.height).toBeLessThanOrEqual(420);
      expect(await qa.getByRole('button', { name: 'Open in app' }).isVisible()).toBe(true);
      // Rated like a chat answer.
      const up = qa.getByRole('button', { name: 'Thumbs up' });
      await up.click();
      await expect.poll(() => up.getAttribute('aria-pressed')).toBe('true');
      for (const scheme of ['light', 'dark'] as const) {
        await qa.emulateMedia({ colorScheme: scheme });
        expect(describeViolations(await seriousAxeViolations(qa))).toBe('');
        await screenshot(qa, `quick-ask-${scheme}`);
      }
    } finally {
      await qa.close();
    }
  });

  it('never trips its own Content-Security-Policy and never shows the Claude key', async () => {
    expect(browser.console.filter((l) => /Content.Security.Policy/i.test(l))).toEqual([]);
    expect(browser.console.filter((l) => l.startsWith('pageerror'))).toEqual([]);
    expect(await page.content()).not.toContain(CLAUDE_KEY);
  });
});
