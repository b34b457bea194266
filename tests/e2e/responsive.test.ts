// Narrow windows in real Chromium against the real server (llama.cpp on a generated GGUF, the Claude stand-in): the
// conversations drawer below 860 px, the phone layout at 390 px (bottom navigation, no shortcut hints, tables that
// scroll), nothing wider than the window at 390 and 320 px, and every screen at 1280, 800 and 390 px, light and dark,
// saved and checked with axe-core.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTinyGguf } from '../fixtures/make-tiny-gguf.js';
import { startTestServer, TOKEN, type TestServer } from '../integration/helpers.js';
import { startAnthropicStandIn, type AnthropicStandIn } from '../stand-ins/anthropic-server.js';
import { describeViolations, ensureUiBuilt, openBrowser, screenshot, seriousAxeViolations, type Browser } from './browser.js';

const CLAUDE_KEY = 'sk-ant-api03-e2e-responsive-key';

let claude: AnthropicStandIn;
let srv: TestServer;
let dir: string;
let browser: Browser;
let page: Page;
/** The stored conversation the chat screens show. */
let conversation = '';

beforeAll(async () => {
  ensureUiBuilt();
  dir = mkdtempSync(path.join(os.tmpdir(), 'hai-e2e-responsive-'));
  const gguf = await makeTinyGguf(path.join(dir, 'tiny.gguf'));
  claude = await startAnthropicStandIn({ apiKey: CLAUDE_KEY, deltaDelayMs: 1, answerWords: 12 });
  srv = await startTestServer({
    env: { HYBRID_AI_LOCAL_MODEL: gguf.path, ANTHROPIC_API_KEY: CLAUDE_KEY, ANTHROPIC_BASE_URL: claude.url, HYBRID_AI_THREADS: '1' },
    args: ['--tier', '2', '--history'],
  });
  browser = await openBrowser();
  page = browser.page;
  await page.goto(`${srv.url}/#token=${TOKEN}`);
  await page.locator('#prompt').fill('What is the capital of Australia?');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.querySelector('article[aria-label="Answer"]')?.getAttribute('data-state') === 'done');
  conversation = decodeURIComponent(page.url().split('#/chat/')[1] ?? '');
  // A second answer from Claude puts money in the dashboard's tables.
  await page.getByLabel('Model for this message').selectOption('claude-sonnet');
  await page.locator('#prompt').fill('Compare B-trees and LSM-trees');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => {
    const all = document.querySelectorAll('article[aria-label="Answer"]');
    return all.length === 2 && all[1]!.getAttribute('data-state') === 'done';
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await srv?.close();
  await claude?.close();
  rmSync(dir, { recursive: true, force: true });
});

const screens = ['chat', 'dashboard', 'models', 'settings'] as const;

/** Open a screen (the chat with the stored conversation) and wait until it has drawn its content. */
async function open(screen: (typeof screens)[number]): Promise<void> {
  await page.goto(`${srv.url}/#/${screen === 'chat' ? `chat/${conversation}` : screen}`);
  const ready = {
    chat: 'article[aria-label="Answer"][data-state="done"]',
    dashboard: '.data-table',
    models: 'h1',
    settings: 'h1',
  }[screen];
  await page.locator(ready).first().waitFor();
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
}

/**
 * Visible elements that reach past the window's left or right edge, outside the boxes meant to scroll sideways
 * (tables and code blocks); [] when nothing overflows.
 */
async function overflowing(): Promise<string[]> {
  return page.evaluate(() => {
    const w = document.documentElement.clientWidth;
    const out: string[] = [];
    if (document.documentElement.scrollWidth > w) {
      const widest = Array.from(document.querySelectorAll('body *'))
        .map((el) => [el, el.getBoundingClientRect().right] as const)
        .filter(([, right]) => right > w + 0.5)
        .map(([el, right]) => `${el.tagName.toLowerCase()}.${String(el.className)} → ${Math.round(right)}`);
      out.push(`the page is ${document.documentElement.scrollWidth} px wide: ${widest.slice(0, 3).join('; ')}`);
    }
    for (const el of Array.from(document.querySelectorAll('body *'))) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.height === 0 || (r.right <= w + 0.5 && r.left >= -0.5)) continue;
      if (getComputedStyle(el).visibility === 'hidden' || el.closest('.visually-hidden, table, pre, dialog:not([open])')) continue;
      const text = (el.textContent ?? '').trim().slice(0, 30);
      out.push(`${el.tagName.toLowerCase()}.${String(el.className)} "${text}" [${Math.round(r.left)}, ${Math.round(r.right)}]`);
    }
    return out.slice(0, 10);
  });
}

describe('responsive layout', () => {
  it('800 px: the conversations are a drawer, opened from the chat header, closed by a pick or Esc', async () => {
    await page.setViewportSize({ width: 800, height: 720 });
    await open('chat');
    const drawer = page.getByRole('complementary', { name: 'Conversations' });
    const toggle = page.getByRole('button', { name: 'Conversations' });
    expect(await drawer.isVisible()).toBe(false);
    expect(await toggle.getAttribute('aria-expanded')).toBe('false');
    await toggle.click();
    await expect.poll(() => drawer.isVisible()).toBe(true);
    expect(await toggle.getAttribute('aria-expanded')).toBe('true');
    // Focus goes into the drawer; Esc closes it and gives focus back to the toggle.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('conv-search');
    await page.keyboard.press('Escape');
    await expect.poll(() => drawer.isVisible()).toBe(false);
    expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('Conversations');

    // From a new chat, the saved conversation is one tap away.
    await page.keyboard.press('Control+k');
    await page.getByRole('heading', { name: 'New chat' }).waitFor();
    await toggle.click();
    await drawer.getByRole('link', { name: /capital of Australia/ }).click();
    await page.locator('article[aria-label="Answer"][data-state="done"]').first().waitFor();
    expect(page.url()).toContain(`#/chat/${conversation}`);
    await expect.poll(() => drawer.isVisible()).toBe(false);
    expect(await overflowing()).toEqual([]);

    // Wide again: the list is back beside the chat and the toggle is gone.
    await page.setViewportSize({ width: 1280, height: 800 });
    await expect.poll(() => drawer.isVisible()).toBe(true);
    expect(await toggle.isVisible()).toBe(false);
  }, 60_000);

  it('390 px: bottom navigation, no shortcut hints, Send inside the box, tables scroll, nothing wider than the window', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await open('chat');
    const nav = page.getByRole('navigation', { name: 'Main' });
    const box = (await nav.boundingBox())!;
    expect(box.y + box.height).toBeGreaterThan(844 - 2);
    expect(box.height).toBeLessThan(80);
    expect(await page.locator('#composer-help').isVisible()).toBe(false);
    const composer = (await page.locator('.composer-box').boundingBox())!;
    const send = (await page.getByRole('button', { name: 'Send (Enter)' }).boundingBox())!;
    expect(send.x + send.width).toBeLessThanOrEqual(composer.x + composer.width);
    expect(send.y + send.height).toBeLessThanOrEqual(composer.y + composer.height);
    for (const s of screens) {
      await open(s);
      expect(await overflowing(), s).toEqual([]);
    }
    // The dashboard's tables keep every column and scroll sideways in their own box.
    await open('dashboard');
    expect(
      await page
        .locator('.data-table')
        .first()
        .evaluate((t) => getComputedStyle(t).overflowX),
    ).toBe('auto');
    // The bottom navigation works.
    await nav.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor();
  }, 60_000);

  it('320 px: nothing on any screen is wider than the window', async () => {
    await page.setViewportSize({ width: 320, height: 640 });
    for (const s of screens) {
      await open(s);
      expect(await overflowing(), s).toEqual([]);
    }
  }, 60_000);

  for (const width of [1280, 800, 390] as const) {
    it(`every screen at ${width} px, light and dark: saved, and axe-core finds nothing serious`, async () => {
      await page.setViewportSize({ width, height: width === 390 ? 844 : 800 });
      for (const s of screens) {
        await open(s);
        for (const scheme of ['light', 'dark'] as const) {
          await page.emulateMedia({ colorScheme: scheme });
          expect(describeViolations(await seriousAxeViolations(page)), `${s} ${width} ${scheme}`).toBe('');
          await screenshot(page, `responsive-${s}-${width}-${scheme}`);
        }
        await page.emulateMedia({ colorScheme: 'light' });
      }
      // why 90 s: four screens × two schemes of axe-core and screenshots on a loaded 2-core machine.
    }, 90_000);
  }

  it('Settings: saving the budget far down the page shows its confirmation in view and keeps threshold edits not yet saved', async () => {
    await page.setViewportSize({ width: 1280, height: 800 });
    await open('settings');
    const medium = page.locator('#th-medium');
    const before = await page.getByTestId('th-medium-value').textContent();
    await medium.focus();
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    const edited = await page.getByTestId('th-medium-value').textContent();
    expect(edited).not.toBe(before);

    await page.locator('#budget-daily').fill('7');
    await page.getByRole('button', { name: 'Save caps' }).click();
    const toast = page.getByTestId('saved-toast');
    await toast.waitFor();
    expect(await toast.textContent()).toMatch(/Budget caps saved/);
    const box = (await toast.boundingBox())!;
    expect(box.y).toBeGreaterThanOrEqual(0);
    expect(box.y + box.height).toBeLessThanOrEqual(800);
    // The budget is stored; the moved threshold is still moved, and still not saved.
    const stored = (await (await fetch(`${srv.url}/api/v1/settings`, { headers: srv.auth })).json()) as any;
    expect(stored.daily_budget_micros).toBe(7_000_000);
    expect(await page.getByTestId('th-medium-value').textContent()).toBe(edited);
    expect(stored.thresholds.medium.toFixed(2)).toBe(before);
    expect(await page.getByRole('button', { name: 'Save thresholds' }).isDisabled()).toBe(false);
  }, 60_000);

  it('Models names the file HYBRID_AI_LOCAL_MODEL serves every local route with, instead of "Not installed"', async () => {
    await page.setViewportSize({ width: 1280, height: 800 });
    await open('models');
    const note = page.getByTestId('local-model-file');
    await note.waitFor();
    expect(await note.textContent()).toMatch(/Every local model is answered by tiny\.gguf/);
    expect(await note.textContent()).toContain(path.join(dir, 'tiny.gguf'));
    for (const id of ['tinyllama', 'phi2']) {
      // The catalog file's own state stays ("Not installed"); beside it, what really answers for the name.
      expect(await page.getByTestId(`served-${id}`).textContent()).toBe('Answered by tiny.gguf (HYBRID_AI_LOCAL_MODEL) ·');
      expect(await page.getByTestId(`status-${id}`).textContent()).toBe('Not installed');
    }
    // The chat's answers name a model this screen now explains.
    const api = (await (await fetch(`${srv.url}/api/v1/models/local`, { headers: srv.auth })).json()) as any;
    expect(api.local_model_file).toMatchObject({ name: 'tiny.gguf', path: path.join(dir, 'tiny.gguf') });
    expect(api.local_model_file.size_bytes).toBeGreaterThan(0);
  }, 60_000);
});
