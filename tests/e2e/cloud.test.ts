// Cloud providers in real Chromium against the real server: save and test an OpenAI key in Settings (the OpenAI
// stand-in answers the one-token test), make OpenAI the first choice, and see a chat answer's badge name OpenAI.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REAL_GATEWAY_OPENAI_KEY, startRealGateway, type RealGateway } from '../fixtures/real-gateway.js';
import { TOKEN, type TestServer } from '../integration/helpers.js';
import { describeViolations, ensureUiBuilt, openBrowser, screenshot, seriousAxeViolations, type Browser } from './browser.js';

let gw: RealGateway;
let srv: TestServer;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  ensureUiBuilt();
  // The OpenAI stand-in runs, but the core starts without its key: the person adds it in Settings.
  gw = await startRealGateway({ openai: {}, env: { OPENAI_API_KEY: '' } });
  srv = gw.srv;
  browser = await openBrowser();
  page = browser.page;
  // Every prompt to the cloud route, so the answer below is the cloud's.
  const r = await fetch(`${srv.url}/api/v1/settings`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', ...srv.auth },
    body: JSON.stringify({ thresholds: { medium: 0, cloud: 0 } }),
  });
  expect(r.status).toBe(200);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await gw?.close();
});

const cloud = async (): Promise<any> => (await fetch(`${srv.url}/api/v1/cloud`, { headers: srv.auth })).json();

describe('Cloud providers in Settings', () => {
  it('saves and tests an OpenAI key, shows it masked, and makes OpenAI the first choice', async () => {
    await page.goto(`${srv.url}/#token=${TOKEN}`);
    await page.goto(`${srv.url}/#/settings`);
    const openai = page.getByTestId('cloud-provider-openai');
    await openai.getByLabel('OpenAI API key').fill(REAL_GATEWAY_OPENAI_KEY);
    await openai.getByRole('button', { name: 'Save and test' }).click();
    // The core saved it and the stand-in answered the one-token test call with it.
    await expect.poll(() => page.getByTestId('cloud-key-test-openai').textContent()).toContain('OpenAI accepted the key');
    expect(await page.getByTestId('cloud-key-mask-openai').textContent()).toBe(`••••${REAL_GATEWAY_OPENAI_KEY.slice(-4)}`);
    expect(gw.openai!.requests.some((q) => q.headers.authorization === `Bearer ${REAL_GATEWAY_OPENAI_KEY}`)).toBe(true);
    // The page never holds the key once saved.
    expect(await page.content()).not.toContain(REAL_GATEWAY_OPENAI_KEY);

    await page.getByLabel('Hard prompts go first to').selectOption('openai');
    await expect.poll(async () => (await cloud()).first_choice).toBe('openai');
    await expect.poll(() => page.getByTestId('cloud-status').textContent()).toContain('OpenAI, gpt-5.4');
    expect(await seriousAxeViolations(page).then(describeViolations)).toBe('');
    await screenshot(page, 'settings-cloud-providers');
  });

  it('a chat answer from OpenAI says so on its badge', async () => {
    await page.goto(`${srv.url}/#/chat`);
    const before = gw.openai!.requests.length;
    await page.locator('#prompt').fill('Explain why the sky is blue.');
    await page.keyboard.press('Enter');
    const badge = page.locator('article[aria-label="Answer"]').last().getByTestId('badge-plain');
    await expect.poll(() => badge.textContent(), { timeout: 20_000 }).toMatch(/^Answered by OpenAI · \$/);
    expect(gw.openai!.requests.length).toBe(before + 1);
    expect(gw.claude.requests.filter((q) => !q.path.endsWith('/models'))).toHaveLength(0);
    expect(await page.locator('article[aria-label="Answer"]').last().textContent()).toContain('OpenAI');
  });

  it('with every cloud off, the chat says why from the core’s own verdict', async () => {
    const r = await fetch(`${srv.url}/api/v1/settings`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', ...srv.auth },
      body: JSON.stringify({ local_only: true }),
    });
    expect(r.status).toBe(200);
    try {
      await page.goto(`${srv.url}/#/settings`);
      await expect
        .poll(() => page.getByTestId('cloud-status').textContent())
        .toContain('The cloud cannot answer now: local-only mode is on');
      await page.goto(`${srv.url}/#/chat`);
      const picker = page.getByLabel('Model for this message');
      await expect.poll(() => picker.locator('option[value="gpt-5.4"]').textContent()).toBe('GPT-5.4 (local-only mode)');
    } finally {
      await fetch(`${srv.url}/api/v1/settings`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', ...srv.auth },
        body: JSON.stringify({ local_only: false }),
      });
    }
  });
});
