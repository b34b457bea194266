// The OpenAI-compatible cloud's setup in real Chromium at 320 px against the real server: fill the form (base URL, the
// model picked from the provider's live list, prices), save, and see the core store it, test it with one token on the
// stand-in, and answer a cloud chat with it; nothing on the screen is wider than the window.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REAL_GATEWAY_COMPAT_KEY, startRealGateway, type RealGateway } from '../fixtures/real-gateway.js';
import { TOKEN, type TestServer } from '../integration/helpers.js';
import { describeViolations, ensureUiBuilt, openBrowser, screenshot, seriousAxeViolations, type Browser } from './browser.js';

let gw: RealGateway;
let srv: TestServer;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  ensureUiBuilt();
  // The compatible cloud's stand-in runs, but the core starts without its URL: the person sets it up in Settings.
  gw = await startRealGateway({
    compat: { models: ['deepseek-chat', 'qwen-2.5-72b'] },
    env: { HYBRID_AI_CLOUD_COMPAT_URL: '', HYBRID_AI_CLOUD_COMPAT_KEY: '' },
  });
  srv = gw.srv;
  browser = await openBrowser();
  page = browser.page;
  const put = async (url: string, body: unknown): Promise<void> => {
    const r = await fetch(`${srv.url}${url}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', ...srv.auth },
      body: JSON.stringify(body),
    });
    expect(r.status).toBe(200);
  };
  await put('/api/v1/settings', { thresholds: { medium: 0, cloud: 0 } });
  await put('/api/v1/cloud/keys/compat?store=file', { key: REAL_GATEWAY_COMPAT_KEY });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await gw?.close();
});

const cloud = async (): Promise<any> => (await fetch(`${srv.url}/api/v1/cloud`, { headers: srv.auth })).json();
const compatOf = async (): Promise<any> => (await cloud()).providers.find((p: { provider: string }) => p.provider === 'compat');

/** Elements wider than the window (the responsive test's rule), [] when none. */
const overflowing = (): Promise<string[]> =>
  page.evaluate(() => {
    const w = document.documentElement.clientWidth;
    const out: string[] = [];
    if (document.documentElement.scrollWidth > w) out.push(`the page is ${document.documentElement.scrollWidth} px wide`);
    for (const el of Array.from(document.querySelectorAll('.cloud-providers *'))) {
      const r = el.getBoundingClientRect();
      if (r.width > 0 && r.right > w + 1) out.push(`${el.tagName.toLowerCase()}#${el.id}.${el.className} ends at ${Math.round(r.right)}`);
    }
    return out;
  });

describe('the OpenAI-compatible cloud in Settings at 320 px', () => {
  it('fills the form, picks the model from the live list, saves, and the core stores and tests it', async () => {
    await page.setViewportSize({ width: 320, height: 640 });
    await page.goto(`${srv.url}/#token=${TOKEN}`);
    await page.goto(`${srv.url}/#/settings`);
    const form = page.getByTestId('cloud-compat-form');
    await form.getByLabel('Base URL').fill(gw.compat!.url);
    await form.getByRole('button', { name: 'List models' }).click();
    await expect.poll(() => page.getByTestId('cloud-compat-models-note').textContent()).toContain('2 models listed');
    const listed = await page.locator('#cloud-compat-models option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
    expect(listed).toEqual(['deepseek-chat', 'qwen-2.5-72b']);
    await form.getByLabel('Model').fill(listed[1]!);
    await form.getByLabel('Input', { exact: true }).fill('0.4');
    await form.getByLabel('Output', { exact: true }).fill('1.2');
    expect(await overflowing()).toEqual([]);
    const before = gw.compat!.requests.length;
    await form.getByRole('button', { name: 'Save and test' }).click();
    await expect.poll(() => page.getByTestId('cloud-compat-test').textContent()).toContain('answered a one-token test call');
    // Saved by the core, and tried on the stand-in with the chosen model.
    expect((await compatOf()).compat).toMatchObject({
      url: gw.compat!.url,
      model: 'qwen-2.5-72b',
      prices: { input: 0.4, output: 1.2 },
      source: 'settings',
    });
    const test = gw.compat!.requests.slice(before).find((q) => !q.path.endsWith('/models'));
    expect(test?.body).toMatchObject({ model: 'qwen-2.5-72b' });
    // The provider is now set up and can be the first choice.
    await page.getByLabel('Hard prompts go first to').selectOption('compat');
    await expect.poll(async () => (await cloud()).first_choice).toBe('compat');
    await expect.poll(() => page.getByTestId('cloud-status').textContent()).toContain('OpenAI-compatible cloud, qwen-2.5-72b');
    expect(await overflowing()).toEqual([]);
    expect(await seriousAxeViolations(page).then(describeViolations)).toBe('');
    await screenshot(page, 'settings-cloud-compat-320');
  });

  it('a bad URL is refused with the field named, and nothing is saved', async () => {
    const form = page.getByTestId('cloud-compat-form');
    await form.getByLabel('Base URL').fill('http://example.com/v1');
    await form.getByRole('button', { name: 'Save and test' }).click();
    await expect.poll(() => form.textContent()).toContain('Invalid "url": must be https://');
    expect((await compatOf()).compat.url).toBe(gw.compat!.url);
  });
});
