// Setting up an OpenAI-compatible cloud and Vertex AI through the API of the real gateway, no restart: the saved
// setup is tried with one token, a chat routed to the cloud reaches the stand-in (OpenAI-compatible, or Gemini's Vertex
// mode) with the configured model, the ledger row is charged at the configured prices, and a change rebuilds the engine
// while a request in flight finishes on the old one. Bad input is a 400 naming the field; the environment wins.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REAL_GATEWAY_COMPAT_KEY, startRealGateway, type RealGateway } from '../fixtures/real-gateway.js';
import { startGeminiStandIn, type GeminiStandIn } from '../stand-ins/gemini.js';
import { startOpenAIStandIn, type OpenAIStandIn } from '../stand-ins/openai-cloud.js';

let gw: RealGateway;
let vertex: GeminiStandIn;
let second: OpenAIStandIn;
let dir: string;
let saFile: string;
const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const privatePem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
/** A line of the private key: what must never come back or be stored. */
const privateLine = privatePem.split('\n')[5]!;
const seen: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'hai-cloud-setup-'));
  saFile = path.join(dir, 'service-account.json');
  // Its universe is not googleapis.com, so google-auth-library signs its own JWT (no token exchange, no network).
  writeFileSync(
    saFile,
    JSON.stringify({
      type: 'service_account',
      project_id: 'proj-setup',
      private_key_id: 'standin-key-1',
      private_key: privatePem,
      client_email: 'router@proj-setup.iam.gserviceaccount.com',
      client_id: '1234567890',
      token_uri: 'https://oauth2.googleapis.com/token',
      universe_domain: 'standin.test',
    }),
  );
  vertex = await startGeminiStandIn({ deltaDelayMs: 0, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() });
  second = await startOpenAIStandIn({ deltaDelayMs: 0, apiKey: REAL_GATEWAY_COMPAT_KEY, models: ['mistral-small'] });
  // The compatible cloud's stand-in runs, but the core starts without it: it is set up through the API.
  gw = await startRealGateway({
    compat: { models: ['deepseek-chat', 'llama-3.3-70b'] },
    env: { HYBRID_AI_CLOUD_COMPAT_URL: '', HYBRID_AI_CLOUD_COMPAT_KEY: '', GOOGLE_VERTEX_BASE_URL: vertex.url },
  });
  const r = await call('PUT', '/api/v1/settings', { thresholds: { medium: 0, cloud: 0 } });
  expect(r.status).toBe(200);
}, 60_000);
afterAll(async () => {
  await gw?.close();
  await vertex?.close();
  await second?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function call(method: string, url: string, body?: unknown, srv = gw.srv): Promise<{ status: number; json: any; text: string }> {
  const res = await fetch(`${srv.url}${url}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...srv.auth },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  seen.push(text);
  return { status: res.status, json: text ? JSON.parse(text) : undefined, text };
}

const provider = (cloud: any, p: string): any => cloud.providers.find((x: { provider: string }) => x.provider === p);
const chats = (s: OpenAIStandIn): Array<{ model: string; body: any }> =>
  s.requests.filter((q) => !q.path.endsWith('/models')).map((q) => ({ model: (q.body as { model: string }).model, body: q.body }));

describe('an OpenAI-compatible cloud set up through the API', () => {
  it('is not set up at first; its key can be saved before it', async () => {
    const c = (await call('GET', '/api/v1/cloud')).json;
    expect(provider(c, 'compat')).toMatchObject({ configured: false });
    expect(provider(c, 'compat').compat).toBeUndefined();
    const k = await call('PUT', '/api/v1/cloud/keys/compat?store=file', { key: REAL_GATEWAY_COMPAT_KEY });
    expect(k.json).toMatchObject({ configured: true, store: 'file' });
  });

  it("lists the provider's live models for the picker", async () => {
    const r = await call('POST', '/api/v1/cloud/compat/models', { url: gw.compat!.url });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ models: ['deepseek-chat', 'llama-3.3-70b'], error: null });
    expect(gw.compat!.requests.at(-1)!.headers.authorization).toBe(`Bearer ${REAL_GATEWAY_COMPAT_KEY}`);
    // A server that does not answer: an empty list and why, so the person types the model instead.
    const dead = await call('POST', '/api/v1/cloud/compat/models', { url: 'http://127.0.0.1:9/v1' });
    expect(dead.status).toBe(200);
    expect(dead.json.models).toEqual([]);
    expect(dead.json.error).toEqual(expect.any(String));
  });

  it.each([
    [{ url: 'ftp://example.com/v1', model: 'm' }, /^Invalid "url": must be an http:\/\/ or https:\/\/ URL/],
    [{ url: 'not a url', model: 'm' }, /^Invalid "url": is not a URL/],
    [{ url: 'http://example.com/v1', model: 'm' }, /^Invalid "url": must be https:\/\/ for a host other than this machine/],
    [{ url: 'https://user:pw@example.com/v1', model: 'm' }, /^Invalid "url": must not hold a user name or password/],
    [{ url: 'https://example.com/v1', model: '' }, /^Invalid "model": must be a model id/],
    [{ url: 'https://example.com/v1' }, /^Invalid "model"/],
    [{ url: 'https://example.com/v1', model: 'm', prices: { input: -1, output: 1 } }, /^Invalid "prices.input": must be ≥ 0/],
    [{ url: 'https://example.com/v1', model: 'm', prices: { input: 1 } }, /^Invalid "prices.output"/],
    [{ url: 'https://example.com/v1', model: 'm', prices: { input: 'cheap', output: 1 } }, /^Invalid "prices.input"/],
    [{ url: 'https://example.com/v1', model: 'm', key: 'sk-x' }, /"key"/],
  ])('refuses %j with a 400 naming the field', async (body, message) => {
    const r = await call('PUT', '/api/v1/cloud/compat', body);
    expect(r.status).toBe(400);
    expect(r.json.error.type).toBe('invalid_request');
    expect(r.json.error.message).toMatch(message);
    // Nothing was saved.
    expect(provider((await call('GET', '/api/v1/cloud')).json, 'compat').configured).toBe(false);
  });

  it('plain http to another host is accepted only when explicitly allowed', async () => {
    const r = await call('POST', '/api/v1/cloud/compat/models', { url: 'http://10.0.0.9:4000/v1' });
    expect(r.status).toBe(400);
    expect(r.json.error.message).toMatch(/"allow_http": true/);
  });

  it('saving tests it with one token; a cloud chat then reaches it with the configured model, charged at the configured prices', async () => {
    const before = chats(gw.compat!).length;
    const r = await call('PUT', '/api/v1/cloud/compat', {
      url: `${gw.compat!.url}/`,
      model: 'llama-3.3-70b',
      prices: { input: 0.59, output: 0.79, cached_input: 0.1 },
    });
    expect(r.status).toBe(200);
    expect(r.json.test).toEqual({ ok: true });
    // The one-token test reached the stand-in with the configured model.
    expect(chats(gw.compat!).length).toBe(before + 1);
    expect(chats(gw.compat!).at(-1)).toMatchObject({ model: 'llama-3.3-70b' });
    expect(provider(r.json, 'compat')).toMatchObject({
      configured: true,
      available: true,
      model: 'llama-3.3-70b',
      url: gw.compat!.url,
      compat: {
        url: gw.compat!.url,
        model: 'llama-3.3-70b',
        prices: { input: 0.59, output: 0.79, cached_input: 0.1 },
        allow_http: false,
        source: 'settings',
        env_fields: [],
      },
    });
    expect((await call('PUT', '/api/v1/cloud', { first_choice: 'compat' })).status).toBe(200);

    const chat = await call('POST', '/api/v1/chat', { prompt: 'Name three lakes in Finland.', max_tokens: 20 });
    expect(chat.status).toBe(200);
    expect(chat.json).toMatchObject({ engine: 'cloud-compat', model: 'llama-3.3-70b', routing: { route: 'cloud', provider: 'compat' } });
    const sent = chats(gw.compat!).at(-1)!;
    expect(sent.model).toBe('llama-3.3-70b');
    expect(JSON.stringify(sent.body)).toContain('Name three lakes in Finland.');
    const row = (await gw.srv.core.ledger.recent(1))[0]!;
    expect(row).toMatchObject({ engine: 'cloud-compat', model: 'llama-3.3-70b', status: 'ok' });
    const expected = Math.round(row.inputTokens * 0.59 + row.outputTokens * 0.79);
    expect(expected).toBeGreaterThan(0);
    expect(row.costMicros).toBe(expected);
    expect(chat.json.cost_micros).toBe(expected);
    // The all-cloud counterfactual is the first-choice cloud at its configured prices: this answer saved nothing.
    expect(row.allCloudMicros).toBe(expected);
    expect(chat.json.savings_micros).toBe(0);
  });

  it('without prices no savings are claimed', async () => {
    const r = await call('PUT', '/api/v1/cloud/compat', { url: gw.compat!.url, model: 'deepseek-chat' });
    expect(r.status).toBe(200);
    expect(provider(r.json, 'compat').compat).toMatchObject({ model: 'deepseek-chat', prices: null });
    const chat = await call('POST', '/api/v1/chat', { prompt: 'Name three rivers.', max_tokens: 20 });
    expect(chat.json).toMatchObject({ engine: 'cloud-compat', model: 'deepseek-chat', cost_micros: 0, savings_micros: 0 });
    expect(chats(gw.compat!).at(-1)!.model).toBe('deepseek-chat');
    expect((await gw.srv.core.ledger.recent(1))[0]).toMatchObject({ model: 'deepseek-chat', costMicros: 0, allCloudMicros: 0 });
  });

  it('a new URL takes effect without a restart; a request in flight finishes on the old engine', async () => {
    gw.compat!.setDeltaDelay(150);
    const inFlight = call('POST', '/api/v1/chat', { prompt: 'Tell a long story.', max_tokens: 20 });
    await expect.poll(() => chats(gw.compat!).at(-1)?.body.messages?.at(-1)?.content).toContain('Tell a long story.');
    const r = await call('PUT', '/api/v1/cloud/compat', { url: second.url, model: 'mistral-small' });
    expect(r.json.test).toEqual({ ok: true });
    const old = await inFlight;
    gw.compat!.setDeltaDelay(0);
    expect(old.status).toBe(200);
    expect(old.json).toMatchObject({ engine: 'cloud-compat', model: 'deepseek-chat' });
    expect(old.json.usage.output_tokens).toBeGreaterThan(1);
    const chat = await call('POST', '/api/v1/chat', { prompt: 'Name three seas.', max_tokens: 20 });
    expect(chat.json).toMatchObject({ engine: 'cloud-compat', model: 'mistral-small' });
    expect(chats(second).at(-1)).toMatchObject({ model: 'mistral-small' });
    expect(JSON.stringify(chats(second).at(-1)!.body)).toContain('Name three seas.');
  });

  it('a refusal of the test call is reported by the save, which still keeps the setup', async () => {
    second.setMode({ kind: 'error', status: 401, times: 1 });
    const r = await call('PUT', '/api/v1/cloud/compat', { url: second.url, model: 'mistral-small', prices: { input: 0.2, output: 0.6 } });
    second.setMode({ kind: 'normal' });
    expect(r.status).toBe(200);
    expect(r.json.test).toMatchObject({ ok: false, error_type: 'upstream_auth' });
    expect(provider(r.json, 'compat').compat).toMatchObject({ model: 'mistral-small', prices: { input: 0.2, output: 0.6 } });
  });

  it('removing it leaves no compatible cloud', async () => {
    const r = await call('DELETE', '/api/v1/cloud/compat');
    expect(r.status).toBe(200);
    expect(provider(r.json, 'compat')).toMatchObject({ configured: false, available: false });
    expect(r.json.status.provider).not.toBe('compat');
  });
});

describe('Vertex AI set up through the API', () => {
  it.each([
    [{ project: 'P', location: 'us-central1', credentials_file: null }, /^Invalid "project": must be a Google Cloud project id/],
    [{ project: 'proj-setup', location: 'the moon', credentials_file: null }, /^Invalid "location": must be a Vertex AI location/],
    [{ project: 'proj-setup', location: 'us-central1' }, /^Invalid "credentials_file"/],
    [
      { project: 'proj-setup', location: 'us-central1', credentials_file: 'relative.json' },
      /^Invalid "credentials_file": .* not an absolute path/,
    ],
    [
      { project: 'proj-setup', location: 'us-central1', credentials_file: '/nonexistent/sa.json' },
      /^Invalid "credentials_file": .* does not exist/,
    ],
  ])('refuses %j with a 400 naming the field', async (body, message) => {
    const r = await call('PUT', '/api/v1/cloud/vertex', body);
    expect(r.status).toBe(400);
    expect(r.json.error.message).toMatch(message);
  });

  it('refuses a file that is not a service-account key, without quoting it', async () => {
    const notJson = path.join(dir, 'notes.txt');
    writeFileSync(notJson, 'secret-notes-content');
    const a = await call('PUT', '/api/v1/cloud/vertex', { project: 'proj-setup', location: 'us-central1', credentials_file: notJson });
    expect(a.status).toBe(400);
    expect(a.json.error.message).toMatch(/is not JSON/);
    expect(a.text).not.toContain('secret-notes-content');
    const user = path.join(dir, 'user.json');
    writeFileSync(user, JSON.stringify({ type: 'authorized_user', refresh_token: 'rt-secret-value' }));
    const b = await call('PUT', '/api/v1/cloud/vertex', { project: 'proj-setup', location: 'us-central1', credentials_file: user });
    expect(b.status).toBe(400);
    expect(b.json.error.message).toMatch(/not a service-account key/);
    expect(b.text).not.toContain('rt-secret-value');
  });

  it('saving tests it with one token on Vertex AI; a cloud chat then reaches Vertex for the project and location', async () => {
    const before = vertex.requests.length;
    const r = await call('PUT', '/api/v1/cloud/vertex', { project: 'proj-setup', location: 'europe-west4', credentials_file: saFile });
    expect(r.status).toBe(200);
    expect(r.json.test).toEqual({ ok: true });
    expect(vertex.requests.length).toBe(before + 1);
    expect(vertex.requests.at(-1)).toMatchObject({ api: 'vertex', project: 'proj-setup', location: 'europe-west4' });
    expect(vertex.requests.at(-1)!.jwtClaims).toMatchObject({ iss: 'router@proj-setup.iam.gserviceaccount.com' });
    expect(provider(r.json, 'gemini')).toMatchObject({
      configured: true,
      vertex: {
        project: 'proj-setup',
        location: 'europe-west4',
        credentials: 'service-account-file',
        credentials_file: saFile,
        source: 'settings',
      },
    });
    expect(r.text).not.toContain(privateLine);
    await call('PUT', '/api/v1/cloud', { first_choice: 'gemini' });
    const chat = await call('POST', '/api/v1/chat', { prompt: 'Explain Vertex in one line.', max_tokens: 20 });
    expect(chat.json).toMatchObject({ engine: 'gemini', model: 'gemini-2.5-pro', routing: { provider: 'gemini' } });
    const sent = vertex.requests.at(-1)!;
    expect(sent).toMatchObject({ api: 'vertex', project: 'proj-setup', location: 'europe-west4', model: 'gemini-2.5-pro' });
    expect(JSON.stringify(sent.body)).toContain('Explain Vertex in one line.');
    const row = (await gw.srv.core.ledger.recent(1))[0]!;
    // gemini-2.5-pro: $1.25 in / $10 out per million tokens (data/prices.ts).
    expect(row).toMatchObject({ engine: 'gemini', model: 'gemini-2.5-pro' });
    expect(row.costMicros).toBe(Math.round(row.inputTokens * 1.25 + row.outputTokens * 10));
  });

  it('application-default credentials are a choice too (null file)', async () => {
    const r = await call('PUT', '/api/v1/cloud/vertex', { project: 'proj-setup', location: 'global', credentials_file: null });
    expect(r.status).toBe(200);
    expect(provider(r.json, 'gemini').vertex).toMatchObject({
      credentials: 'application-default',
      credentials_file: null,
      location: 'global',
    });
    // Whatever the test call said (this machine has no ADC), it is reported, not thrown.
    expect(r.json.test).toHaveProperty('ok');
    const d = await call('DELETE', '/api/v1/cloud/vertex');
    expect(provider(d.json, 'gemini').vertex).toBeUndefined();
  });

  it('the private key is in no answer, log or ledger file', () => {
    const ledger = readdirSync(gw.srv.dataDir)
      .filter((f) => f.startsWith('ledger.db'))
      .map((f) => readFileSync(path.join(gw.srv.dataDir, f)).toString('latin1'))
      .join('');
    expect(ledger).toContain('proj-setup');
    for (const text of [seen.join('\n'), gw.srv.logs.join(''), ledger]) {
      expect(text).not.toContain(privateLine);
      expect(text).not.toContain(REAL_GATEWAY_COMPAT_KEY);
    }
  });
});

describe('the environment wins', () => {
  let envGw: RealGateway;
  beforeAll(async () => {
    envGw = await startRealGateway({
      compat: { models: ['deepseek-chat'] },
      env: {
        HYBRID_AI_CLOUD_COMPAT_MODEL: 'deepseek-chat',
        GOOGLE_GENAI_USE_VERTEXAI: 'true',
        GOOGLE_CLOUD_PROJECT: 'proj-env',
        GOOGLE_CLOUD_LOCATION: 'us-central1',
        GOOGLE_VERTEX_BASE_URL: vertex.url,
      },
    });
  }, 60_000);
  afterAll(async () => {
    await envGw?.close();
  });

  it('shows the compatible cloud as coming from the environment and refuses to change it', async () => {
    const c = await call('GET', '/api/v1/cloud', undefined, envGw.srv);
    expect(provider(c.json, 'compat').compat).toMatchObject({
      url: envGw.compat!.url,
      model: 'deepseek-chat',
      source: 'env',
      env_fields: ['url', 'model'],
    });
    const r = await call('PUT', '/api/v1/cloud/compat', { url: second.url, model: 'mistral-small' }, envGw.srv);
    expect(r.status).toBe(409);
    expect(r.json.error).toMatchObject({ type: 'conflict' });
    expect(r.json.error.message).toMatch(/set in the environment \(HYBRID_AI_CLOUD_COMPAT_URL, HYBRID_AI_CLOUD_COMPAT_MODEL\)/);
    expect((await call('DELETE', '/api/v1/cloud/compat', undefined, envGw.srv)).status).toBe(409);
  });

  it('a DELETE refused because of the environment names every variable that sets it, and how to remove it', async () => {
    const r = await call('DELETE', '/api/v1/cloud/compat', undefined, envGw.srv);
    expect(r.status).toBe(409);
    expect(r.json.error.type).toBe('conflict');
    // The URL, the key and the model are set here (no prices): all three, and only those.
    expect(r.json.error.message).toMatch(/\(HYBRID_AI_CLOUD_COMPAT_URL, HYBRID_AI_CLOUD_COMPAT_KEY, HYBRID_AI_CLOUD_COMPAT_MODEL\)/);
    expect(r.json.error.message).not.toMatch(/PRICES/);
    expect(r.json.error.message).toMatch(/unset (them|these variables).*restart/);
    expect(provider((await call('GET', '/api/v1/cloud', undefined, envGw.srv)).json, 'compat').configured).toBe(true);

    const v = await call('DELETE', '/api/v1/cloud/vertex', undefined, envGw.srv);
    expect(v.status).toBe(409);
    expect(v.json.error.type).toBe('conflict');
    expect(v.json.error.message).toMatch(/\(GOOGLE_GENAI_USE_VERTEXAI, GOOGLE_CLOUD_PROJECT, GOOGLE_CLOUD_LOCATION\)/);
    expect(v.json.error.message).toMatch(/unset (them|these variables).*restart/);
    expect(provider((await call('GET', '/api/v1/cloud', undefined, envGw.srv)).json, 'gemini').vertex).toMatchObject({ source: 'env' });
  });
});
