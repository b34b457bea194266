// A model the OpenAI-compatible cloud refuses on a chat (404 model_not_found, or a 400 naming the model) stops being
// offered: /v1/models, the native models list, the cloud settings and routing all see it gone, with the provider's
// reason; the cloud route falls back to Claude without asking the refusing cloud again; saving the setup again, a new
// key or a call that succeeds clears it. Real gateway, the OpenAI stand-in (spoken to by the official SDK) as the cloud.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REAL_GATEWAY_COMPAT_KEY, startRealGateway, type RealGateway } from '../fixtures/real-gateway.js';

let gw: RealGateway;
/** What the stand-in refuses: models it still lists, as a provider that withdrew them or keeps them from this key. */
const refuse = new Map<string, 400 | 404>();

beforeAll(async () => {
  gw = await startRealGateway({
    compat: { models: ['deepseek-chat', 'llama-3.3-70b'], refuseModels: refuse },
    // Set up through the API below (Settings), so a saved change can clear what was refused.
    env: { HYBRID_AI_CLOUD_COMPAT_URL: '', HYBRID_AI_CLOUD_COMPAT_KEY: '' },
  });
  // Every prompt takes the cloud route, the compatible cloud first.
  expect((await call('PUT', '/api/v1/settings', { thresholds: { medium: 0, cloud: 0 } })).status).toBe(200);
  expect((await call('PUT', '/api/v1/cloud/keys/compat?store=file', { key: REAL_GATEWAY_COMPAT_KEY })).status).toBe(200);
  const saved = await call('PUT', '/api/v1/cloud/compat', { url: gw.compat!.url, model: 'deepseek-chat' });
  expect(saved.json.test).toEqual({ ok: true });
  expect((await call('PUT', '/api/v1/cloud', { first_choice: 'compat' })).status).toBe(200);
}, 60_000);
afterAll(async () => {
  await gw?.close();
});

async function call(method: string, url: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${gw.srv.url}${url}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...gw.srv.auth },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined };
}

const compatChats = (): number => gw.compat!.requests.filter((q) => q.path.endsWith('/chat/completions')).length;
const compatCard = async (): Promise<any> =>
  (await call('GET', '/api/v1/cloud')).json.providers.find((p: { provider: string }) => p.provider === 'compat');
const openaiIds = async (): Promise<string[]> => (await call('GET', '/v1/models')).json.data.map((m: { id: string }) => m.id);

describe('a model the OpenAI-compatible cloud refuses', () => {
  it('is offered while the cloud serves it', async () => {
    expect(await openaiIds()).toEqual(expect.arrayContaining(['deepseek-chat', 'llama-3.3-70b']));
    expect(await compatCard()).toMatchObject({ available: true, model: 'deepseek-chat' });
    const chat = await call('POST', '/api/v1/chat', { prompt: 'Name a lake.', max_tokens: 8 });
    expect(chat.json).toMatchObject({ engine: 'cloud-compat', model: 'deepseek-chat' });
  });

  it('404: the route model is shown unavailable with the reason everywhere, and the cloud route falls back to Claude', async () => {
    refuse.set('deepseek-chat', 404);
    const before = compatChats();
    const first = await call('POST', '/api/v1/chat', { prompt: 'Name a river.', max_tokens: 8 });
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({ engine: 'anthropic', routing: { provider: 'anthropic' } });
    expect(compatChats()).toBe(before + 1);

    const reason = /deepseek-chat.*\(HTTP 404\).*does not exist/;
    expect(await compatCard()).toMatchObject({ configured: true, available: false, reason: expect.stringMatching(reason) });
    const cloud = (await call('GET', '/api/v1/cloud')).json;
    expect(cloud.status).toMatchObject({ available: true, provider: 'anthropic' });
    expect(await openaiIds()).not.toContain('deepseek-chat');
    const native = (await call('GET', '/api/v1/models')).json;
    expect(native.engines['cloud-compat']).toMatchObject({ ok: false, reason: expect.stringMatching(reason) });

    // Not asked again: the next cloud answer comes from Claude straight away, and a request naming the model is refused here.
    const next = await call('POST', '/api/v1/chat', { prompt: 'Name a sea.', max_tokens: 8 });
    expect(next.json).toMatchObject({ engine: 'anthropic' });
    const named = await call('POST', '/v1/chat/completions', { model: 'deepseek-chat', messages: [{ role: 'user', content: 'hi' }] });
    expect(named.status).toBeGreaterThanOrEqual(400);
    expect(named.json.error).toMatchObject({ message: expect.any(String), type: expect.any(String) });
    expect(compatChats()).toBe(before + 1);
  });

  it('saving the setup again clears it', async () => {
    refuse.delete('deepseek-chat');
    // The provider serves it again, but nothing asks it until the setup changes (or a test call succeeds).
    expect(await compatCard()).toMatchObject({ available: false });
    const saved = await call('PUT', '/api/v1/cloud/compat', { url: gw.compat!.url, model: 'deepseek-chat' });
    expect(saved.json.test).toEqual({ ok: true });
    expect(await compatCard()).toMatchObject({ available: true, reason: null });
    expect(await openaiIds()).toContain('deepseek-chat');
    const chat = await call('POST', '/api/v1/chat', { prompt: 'Name a bay.', max_tokens: 8 });
    expect(chat.json).toMatchObject({ engine: 'cloud-compat', model: 'deepseek-chat' });
  });

  it('400 naming another model: that model alone is no longer offered; a key test that succeeds clears it', async () => {
    refuse.set('llama-3.3-70b', 400);
    const before = compatChats();
    const named = await call('POST', '/v1/chat/completions', { model: 'llama-3.3-70b', messages: [{ role: 'user', content: 'hi' }] });
    expect(named.status).toBeGreaterThanOrEqual(400);
    expect(named.json.error.message).toMatch(/llama-3\.3-70b/);
    expect(compatChats()).toBe(before + 1);
    const ids = await openaiIds();
    expect(ids).toContain('deepseek-chat');
    expect(ids).not.toContain('llama-3.3-70b');
    // The route model is still served: the cloud stays available.
    expect(await compatCard()).toMatchObject({ available: true });
    const native = (await call('GET', '/api/v1/models')).json;
    expect(native.engines['cloud-compat'].models ?? []).not.toContain('llama-3.3-70b');

    refuse.delete('llama-3.3-70b');
    // The same key tested again (a call that succeeds) makes the refusal stale.
    const k = await call('PUT', '/api/v1/cloud/keys/compat?store=file', { key: REAL_GATEWAY_COMPAT_KEY });
    expect(k.json.test).toEqual({ ok: true });
    expect(await openaiIds()).toContain('llama-3.3-70b');
  });

  it('a saved setup whose one-token test is refused shows its model unavailable at once', async () => {
    refuse.set('llama-3.3-70b', 404);
    const saved = await call('PUT', '/api/v1/cloud/compat', { url: gw.compat!.url, model: 'llama-3.3-70b' });
    expect(saved.status).toBe(200);
    expect(saved.json.test).toMatchObject({ ok: false, message: expect.stringMatching(/llama-3\.3-70b.*HTTP 404/) });
    const card = saved.json.providers.find((p: { provider: string }) => p.provider === 'compat');
    expect(card).toMatchObject({ available: false, reason: expect.stringMatching(/llama-3\.3-70b.*does not exist/) });
    expect(saved.json.status.provider).toBe('anthropic');
    refuse.delete('llama-3.3-70b');
    expect((await call('PUT', '/api/v1/cloud/compat', { url: gw.compat!.url, model: 'llama-3.3-70b' })).json.test).toEqual({ ok: true });
    expect(await compatCard()).toMatchObject({ available: true, model: 'llama-3.3-70b' });
  });
});
