// Any cloud through the real gateway: Claude, OpenAI, Gemini and an OpenAI-compatible cloud (wire stand-ins spoken to
// by the official SDKs) each answer the cloud route; a Claude 529 falls over to GPT; every protocol reaches every cloud with
// tools; budgets and the privacy guard hold for every provider (judged by what each stand-in received); keys never leak.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CloudProvider } from '../../router-core/contracts/decision.js';
import {
  REAL_GATEWAY_CLAUDE_KEY,
  REAL_GATEWAY_COMPAT_KEY,
  REAL_GATEWAY_GEMINI_KEY,
  REAL_GATEWAY_OPENAI_KEY,
  startRealGateway,
  type RealGateway,
} from '../fixtures/real-gateway.js';

let gw: RealGateway;
/** Every response body this file received, for the "no key anywhere" check at the end. */
const seen: string[] = [];

beforeAll(async () => {
  gw = await startRealGateway({
    openai: {},
    gemini: {},
    compat: { models: ['deepseek-chat', 'llama-3.3-70b'] },
    // One of the compatible cloud's models has a configured price; the other's stays unknown.
    env: { HYBRID_AI_CLOUD_COMPAT_PRICES: JSON.stringify({ 'llama-3.3-70b': { input: 0.59, output: 0.79 } }) },
  });
  // Every prompt to the cloud route, so each test says which cloud answers rather than which prompt is hard.
  const r = await call('PUT', '/api/v1/settings', { thresholds: { medium: 0, cloud: 0 } });
  expect(r.status).toBe(200);
}, 60_000);
afterAll(async () => {
  await gw?.close();
});

async function call(method: string, url: string, body?: unknown): Promise<{ status: number; json: any; text: string }> {
  const res = await fetch(`${gw.srv.url}${url}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...gw.srv.auth },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  const headers: string[] = [];
  res.headers.forEach((v, k) => headers.push(`${k}: ${v}`));
  seen.push(text, headers.join('\n'));
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text };
}

const chooseFirst = async (p: CloudProvider | null): Promise<void> => {
  const r = await call('PUT', '/api/v1/cloud', { first_choice: p });
  expect(r.status).toBe(200);
};

/** Every chat body each stand-in received, as text (what left this machine). */
function received(): Record<'anthropic' | 'openai' | 'compat' | 'gemini', string[]> {
  const chats = (rs: Array<{ path: string; body: unknown }>) =>
    rs.filter((q) => !q.path.endsWith('/models')).map((q) => JSON.stringify(q.body));
  return {
    anthropic: chats(gw.claude.requests),
    openai: chats(gw.openai!.requests),
    compat: chats(gw.compat!.requests),
    gemini: chats(gw.gemini!.requests),
  };
}

const providers: Array<{ p: CloudProvider; engine: string; model: string }> = [
  { p: 'anthropic', engine: 'anthropic', model: 'claude-sonnet' },
  { p: 'openai', engine: 'openai', model: 'gpt-5.4' },
  { p: 'gemini', engine: 'gemini', model: 'gemini-2.5-pro' },
  { p: 'compat', engine: 'cloud-compat', model: 'deepseek-chat' },
];

describe('the cloud route on every provider', () => {
  it('Claude stays the first choice where its key is set; the other configured clouds follow it', async () => {
    const r = await call('GET', '/api/v1/cloud');
    expect(r.json).toMatchObject({ first_choice: 'anthropic', saved_first_choice: null, fallback_order: ['openai', 'gemini', 'compat'] });
    expect(r.json.status).toEqual({ available: true, kind: null, reason: null, provider: 'anthropic', model: 'claude-sonnet' });
    const openai = r.json.providers.find((p: { provider: string }) => p.provider === 'openai');
    expect(openai).toMatchObject({
      configured: true,
      available: true,
      key: { configured: true, last4: REAL_GATEWAY_OPENAI_KEY.slice(-4), store: 'env' },
    });
  });

  for (const { p, engine, model } of providers) {
    it(`${p} answers the cloud route when it is the first choice, and the ledger and stats say so`, async () => {
      await chooseFirst(p);
      const before = received()[p].length;
      const statsBefore = (await call('GET', '/api/v1/stats?range=today')).json;
      const r = await call('POST', '/api/v1/chat', { prompt: `Explain the ${p} route in one line.`, max_tokens: 20 });
      expect(r.status).toBe(200);
      expect(r.json).toMatchObject({ backend: 'cloud', engine, model, routing: { route: 'cloud', provider: p } });
      expect(received()[p].length).toBe(before + 1);
      expect(received()[p].at(-1)).toContain(`Explain the ${p} route`);
      const row = gw.srv.core.ledger.recent(1)[0]!;
      expect(row).toMatchObject({ engine, model, status: 'ok' });
      const stats = (await call('GET', '/api/v1/stats?range=today')).json;
      const spent = (x: typeof stats) =>
        x.by_provider.find((s: { provider: string }) => s.provider === p) ?? { requests: 0, cost_micros: 0 };
      expect(spent(stats).requests).toBe(spent(statsBefore).requests + 1);
      expect(spent(stats).cost_micros).toBe(spent(statsBefore).cost_micros + r.json.cost_micros);
      // The ledger counts the answer as a cloud one, whichever cloud gave it.
      expect(stats.totals.cloud).toBe(statsBefore.totals.cloud + 1);
      expect(stats.totals.local).toBe(statsBefore.totals.local);
    });
  }

  it('an answer from a compatible cloud of unknown price claims no savings', async () => {
    await chooseFirst('compat');
    const r = await call('POST', '/api/v1/chat', { prompt: 'Name three rivers.', max_tokens: 20 });
    expect(r.json).toMatchObject({ engine: 'cloud-compat', cost_micros: 0, all_cloud_cost_micros: 0, savings_micros: 0 });
    expect(r.json.usage.output_tokens).toBeGreaterThan(0);
  });

  it('a compatible cloud model with a configured price is charged at it (HYBRID_AI_CLOUD_COMPAT_PRICES)', async () => {
    const r = await call('POST', '/api/v1/chat', { prompt: 'Name three lakes.', model: 'llama-3.3-70b', max_tokens: 20 });
    expect(r.json).toMatchObject({ engine: 'cloud-compat', model: 'llama-3.3-70b' });
    const u = r.json.usage;
    expect(r.json.cost_micros).toBe(Math.round(u.input_tokens * 0.59 + u.output_tokens * 0.79));
    expect(r.json.cost_micros).toBeGreaterThan(0);
  });

  it('GPT is charged at its own prices, and the all-cloud counterfactual is priced on the chosen cloud model', async () => {
    await chooseFirst('openai');
    const r = await call('POST', '/api/v1/chat', { prompt: 'Summarise the plot of Hamlet.', max_tokens: 20 });
    const u = r.json.usage;
    // gpt-5.4: $2.50 in / $15 out per million tokens (data/prices.ts) = 2.5 and 15 micro-dollars per token.
    expect(r.json.cost_micros).toBe(Math.round(u.input_tokens * 2.5 + u.output_tokens * 15));
    expect(r.json.all_cloud_cost_micros).toBe(r.json.cost_micros);
    await chooseFirst('anthropic');
    const local = await call('POST', '/api/v1/chat', { prompt: 'hi', model: 'auto', local_only: true, max_tokens: 4 });
    expect(local.json.backend).toBe('local');
    // With Claude chosen, a local answer's counterfactual is at Sonnet's $3/$15.
    const lu = local.json.usage;
    expect(local.json.all_cloud_cost_micros).toBe(lu.input_tokens * 3 + lu.output_tokens * 15);
  });

  it('a Claude 529 before the first token falls over to GPT, and the reasons say so', async () => {
    await chooseFirst('anthropic');
    gw.claude.setMode({ kind: 'error', status: 529 });
    try {
      const r = await call('POST', '/api/v1/chat', { prompt: 'Prove that the square root of 2 is irrational.', max_tokens: 8 });
      expect(r.status).toBe(200);
      expect(r.json).toMatchObject({ engine: 'openai', model: 'gpt-5.4', routing: { provider: 'openai' } });
      expect(r.json.routing.fallback_from).toEqual(['claude-sonnet on anthropic: upstream_overloaded']);
      expect(r.json.routing.reasons.join('; ')).toMatch(/fell back: claude-sonnet on anthropic: upstream_overloaded/);
      expect(gw.srv.core.ledger.recent(1)[0]!).toMatchObject({
        engine: 'openai',
        fallbackFrom: ['claude-sonnet on anthropic: upstream_overloaded'],
      });
    } finally {
      gw.claude.setMode({ kind: 'normal' });
    }
  }, 30_000);

  it('a saved fallback order is followed: the compatible cloud takes over before OpenAI', async () => {
    await call('PUT', '/api/v1/cloud', { first_choice: 'anthropic', fallback_order: ['compat', 'openai'] });
    const view = await call('GET', '/api/v1/cloud');
    expect(view.json.fallback_order).toEqual(['compat', 'openai', 'gemini']);
    gw.claude.setMode({ kind: 'error', status: 529 });
    try {
      const r = await call('POST', '/api/v1/chat', { prompt: 'Why is the sky blue?', max_tokens: 8 });
      expect(r.json).toMatchObject({ engine: 'cloud-compat', routing: { provider: 'compat' } });
    } finally {
      gw.claude.setMode({ kind: 'normal' });
      await call('PUT', '/api/v1/cloud', { fallback_order: ['openai', 'gemini', 'compat'] });
    }
  }, 30_000);

  it('bad cloud settings are a clear 400 naming the valid values', async () => {
    const bad = await call('PUT', '/api/v1/cloud', { first_choice: 'mistral' });
    expect(bad.status).toBe(400);
    expect(bad.json.error.message).toMatch(/anthropic, openai, gemini, compat/);
    const twice = await call('PUT', '/api/v1/cloud', { fallback_order: ['openai', 'openai'] });
    expect(twice.status).toBe(400);
    const unknown = await call('PUT', '/api/v1/cloud/keys/mistral', { key: 'x'.repeat(30) });
    expect(unknown.status).toBe(404);
    expect(unknown.json.error.message).toMatch(/Valid: anthropic, openai, gemini, compat/);
  });
});

describe('every protocol reaches every cloud, tools included', () => {
  const weather = {
    name: 'get_weather',
    description: 'Weather in a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  };

  it('/v1/chat/completions answered by Claude: the tool call comes back in OpenAI’s shape', async () => {
    await chooseFirst('anthropic');
    const before = gw.claude.requests.length;
    const r = await call('POST', '/v1/chat/completions', {
      model: 'auto',
      messages: [{ role: 'user', content: 'What is the weather in Paris? Use the tool.' }],
      tools: [{ type: 'function', function: weather }],
    });
    expect(r.status).toBe(200);
    expect(r.json.choices[0].finish_reason).toBe('tool_calls');
    expect(r.json.choices[0].message.tool_calls[0].function.name).toBe('get_weather');
    const sent = gw.claude.requests.at(-1)!.body as { tools?: Array<{ name: string }> };
    expect(gw.claude.requests.length).toBe(before + 1);
    expect(sent.tools?.map((t) => t.name)).toEqual(['get_weather']);
  });

  it('/v1/messages answered by Gemini: the tool call comes back as a tool_use block', async () => {
    await chooseFirst('gemini');
    const before = gw.gemini!.requests.length;
    const r = await call('POST', '/v1/messages', {
      model: 'auto',
      max_tokens: 64,
      messages: [{ role: 'user', content: 'What is the weather in Paris? Use the tool.' }],
      tools: [{ name: weather.name, description: weather.description, input_schema: weather.parameters }],
    });
    expect(r.status).toBe(200);
    expect(r.json.stop_reason).toBe('tool_use');
    expect(r.json.content.find((b: { type: string }) => b.type === 'tool_use')?.name).toBe('get_weather');
    expect(gw.gemini!.requests.length).toBe(before + 1);
    const sent = gw.gemini!.requests.at(-1)!.body as { tools?: Array<{ functionDeclarations?: Array<{ name: string }> }> };
    expect(sent.tools?.flatMap((t) => t.functionDeclarations ?? []).map((d) => d.name)).toEqual(['get_weather']);
  });

  it('/v1/messages answered by GPT: the tool call comes back as a tool_use block', async () => {
    await chooseFirst('openai');
    const r = await call('POST', '/v1/messages', {
      model: 'auto',
      max_tokens: 64,
      messages: [{ role: 'user', content: 'What is the weather in Paris? Use the tool.' }],
      tools: [{ name: weather.name, description: weather.description, input_schema: weather.parameters }],
    });
    expect(r.status).toBe(200);
    expect(r.json.stop_reason).toBe('tool_use');
    expect(r.json.content.find((b: { type: string }) => b.type === 'tool_use')?.name).toBe('get_weather');
    const sent = gw.openai!.requests.at(-1)!.body as { tools?: Array<{ function: { name: string } }> };
    expect(sent.tools?.map((t) => t.function.name)).toEqual(['get_weather']);
  });
});

describe('guards hold for every provider', () => {
  for (const { p } of providers) {
    it(`the privacy guard keeps a card number off ${p}: nothing reaches any cloud`, async () => {
      await chooseFirst(p);
      const r = await call('POST', '/api/v1/chat', { prompt: 'card 4539 1488 0343 6467 was declined, prove why', max_tokens: 8 });
      expect(r.json.backend).toBe('local');
      expect(r.json.routing.reasons.join(' ')).toMatch(/payment card number/);
      const forced = await call('POST', '/api/v1/chat', {
        prompt: 'card 4539 1488 0343 6467?',
        model: providers.find((x) => x.p === p)!.model,
      });
      expect(forced.status).toBe(403);
      for (const bodies of Object.values(received())) for (const b of bodies) expect(b).not.toContain('4539');
    });
  }

  it('a reached budget keeps every provider idle: no stand-in receives the prompt', async () => {
    const before = received();
    expect((await call('PUT', '/api/v1/settings', { daily_budget_micros: 1 })).status).toBe(200);
    try {
      for (const { p } of providers) {
        await chooseFirst(p);
        const status = await call('GET', '/api/v1/cloud');
        expect(status.json.status).toMatchObject({ available: false, kind: 'budget' });
        const r = await call('POST', '/api/v1/chat', { prompt: `Prove a theorem for ${p} within budget.`, max_tokens: 8 });
        expect(r.json.backend).toBe('local');
      }
      const after = received();
      for (const k of ['anthropic', 'openai', 'gemini', 'compat'] as const) expect(after[k].length).toBe(before[k].length);
    } finally {
      await call('PUT', '/api/v1/settings', { daily_budget_micros: null });
      await chooseFirst(null);
    }
  });
});

describe('keys', () => {
  it('saving a key tests it with one token: a key the provider refuses is a 400 and not saved, the key never comes back', async () => {
    const wrong = 'sk-proj-wrong-key-for-the-test-0000';
    const r = await call('PUT', '/api/v1/cloud/keys/openai?store=file', { key: wrong });
    expect(r.status).toBe(400);
    expect(r.json.error).toMatchObject({ type: 'invalid_request', message: expect.stringMatching(/OpenAI rejected it as unauthorized/) });
    expect(r.text).not.toContain(wrong);
    expect(readdirSync(gw.srv.dataDir)).not.toContain('openai-key.secret');
    // The test call reached the stand-in with the new key, asking for one token.
    const probe = gw.openai!.requests.at(-1)!;
    expect(probe.headers.authorization).toBe(`Bearer ${wrong}`);
    expect(probe.body).toMatchObject({ max_completion_tokens: 1 });
    const good = await call('PUT', '/api/v1/cloud/keys/compat?store=file', { key: REAL_GATEWAY_COMPAT_KEY });
    expect(good.json).toMatchObject({ configured: true, last4: REAL_GATEWAY_COMPAT_KEY.slice(-4), test: { ok: true } });
    expect(good.text).not.toContain(REAL_GATEWAY_COMPAT_KEY);
    const gemini = await call('PUT', '/api/v1/cloud/keys/gemini?store=file', { key: REAL_GATEWAY_GEMINI_KEY });
    expect(gemini.json).toMatchObject({ configured: true, last4: REAL_GATEWAY_GEMINI_KEY.slice(-4), test: { ok: true } });
    expect(gw.gemini!.requests.at(-1)!.headers['x-goog-api-key']).toBe(REAL_GATEWAY_GEMINI_KEY);
    expect(gemini.text).not.toContain(REAL_GATEWAY_GEMINI_KEY);
    const bad = await call('PUT', '/api/v1/cloud/keys/openai', { key: 'not-an-openai-key-at-all' });
    expect(bad.status).toBe(400);
    expect(bad.json.error.message).toMatch(/starts with "sk-"/);
    expect(bad.text).not.toContain('not-an-openai-key-at-all');
  });

  it('no key appears in the logs, in any response, or in the ledger file', () => {
    const logs = gw.srv.logs.join('');
    const ledgerFiles = readdirSync(gw.srv.dataDir).filter((f) => f.startsWith('ledger.db'));
    expect(ledgerFiles.length).toBeGreaterThan(0);
    const ledger = ledgerFiles.map((f) => readFileSync(path.join(gw.srv.dataDir, f)).toString('latin1')).join('');
    for (const key of [
      REAL_GATEWAY_CLAUDE_KEY,
      REAL_GATEWAY_OPENAI_KEY,
      REAL_GATEWAY_GEMINI_KEY,
      REAL_GATEWAY_COMPAT_KEY,
      'sk-proj-wrong-key-for-the-test-0000',
    ]) {
      expect(logs).not.toContain(key);
      expect(ledger).not.toContain(key);
      for (const s of seen) expect(s).not.toContain(key);
    }
  });
});

describe('OpenAI and Gemini configured, no Claude key, HYBRID_AI_LOCAL_MODEL=tiny.gguf', () => {
  let g: RealGateway;
  const req = async (method: string, url: string, body?: unknown) => {
    const res = await fetch(`${g.srv.url}${url}`, {
      method,
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...g.srv.auth },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as any };
  };
  beforeAll(async () => {
    g = await startRealGateway({ openai: {}, gemini: {}, env: { ANTHROPIC_API_KEY: '' } });
  }, 60_000);
  afterAll(async () => g?.close());

  it('lists the local file under the name that answers, and no Claude model, in every list', async () => {
    const list = await req('GET', '/v1/models');
    const ids = (list.json.data as Array<{ id: string }>).map((m) => m.id);
    expect(ids).toContain('tiny');
    expect(ids.some((id) => id.startsWith('gpt-'))).toBe(true);
    expect(ids.some((id) => id.startsWith('gemini-'))).toBe(true);
    expect(ids.filter((id) => id.startsWith('claude-'))).toEqual([]);
    expect((await req('GET', '/v1/models/tiny')).json).toMatchObject({ id: 'tiny', owned_by: 'local' });
    const answer = await req('POST', '/v1/chat/completions', { model: 'tiny', max_tokens: 4, messages: [{ role: 'user', content: 'hi' }] });
    expect(answer.status).toBe(200);
    const openaiShape = await req('POST', '/v1/chat/completions', { model: 'nope', messages: [{ role: 'user', content: 'hi' }] });
    expect(openaiShape.status).toBe(404);
    expect(openaiShape.json.error.message).toMatch(/^Unknown model "nope"\. Valid models: auto, .*\btiny\b/);
    expect(openaiShape.json.error.message).not.toMatch(/claude-/);
    const ollamaShape = await req('POST', '/api/chat', { model: 'nope', stream: false, messages: [{ role: 'user', content: 'hi' }] });
    expect(ollamaShape.status).toBe(404);
    expect(ollamaShape.json.error).toMatch(/\btiny\b/);
    expect(ollamaShape.json.error).not.toMatch(/claude-/);
  }, 60_000);

  it('a Claude model asked for by name: Claude is not configured, and the configured clouds are named', async () => {
    const r = await req('POST', '/v1/chat/completions', { model: 'claude-haiku', messages: [{ role: 'user', content: 'hi' }] });
    expect(r.status).toBe(503);
    expect(r.json.error.message).toBe(
      'Model "claude-haiku" is a Claude model and Claude is unavailable: no Claude API key configured; ' +
        'configured clouds: openai, gemini — name one of their models or use "auto".',
    );
  });
});
