// The APIs behind the UI over a real loopback socket: conversations, settings, token regeneration, the served UI and its CSP.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineId } from '../../router-core/contracts/decision.js';
import type { Engine } from '../../router-core/engines/engine.js';
import { historyExportSchema } from '../../router-core/gateway/api-schemas.js';
import { settingsPutBody } from '../../router-core/gateway/settings-api.js';
import { mountStatic } from '../../router-core/gateway/static.js';
import { settingsApiFields } from '../../router-core/settings-schema.js';
import { createFakeEngine } from '../fakes/engines.js';
import { parseSse, startTestServer, type TestServer } from './helpers.js';

let srv: TestServer;

function engines(): Map<EngineId, Engine> {
  return new Map<EngineId, Engine>([
    ['llamacpp', createFakeEngine({ id: 'llamacpp', models: ['tinyllama', 'phi2'], words: () => ['Paris', ' is', ' the', ' capital'] })],
    ['anthropic', createFakeEngine({ id: 'anthropic', models: ['claude-haiku', 'claude-sonnet', 'claude-opus'] })],
  ]);
}

async function call(
  s: TestServer,
  method: string,
  url: string,
  body?: unknown,
  auth: Record<string, string> = s.auth,
): Promise<{ status: number; json: any; text: string; headers: Headers }> {
  const res = await fetch(`${s.url}${url}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...auth },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text, headers: res.headers };
}

beforeAll(async () => {
  srv = await startTestServer({ engines: engines(), env: { ANTHROPIC_API_KEY: 'sk-ant-test' } });
});
afterAll(async () => {
  await srv.close();
});

describe('conversations', () => {
  it('refuses to create a conversation while history is off, and says how to turn it on', async () => {
    await call(srv, 'PUT', '/api/v1/settings', { history_enabled: false });
    const r = await call(srv, 'POST', '/api/v1/conversations', { title: 'x' });
    expect(r.status).toBe(403);
    expect(r.json.error.message).toMatch(/history_enabled/);
  });

  it('create → chat with conversation_id → messages with the badge data → rename → search → truncate → delete', async () => {
    await call(srv, 'PUT', '/api/v1/settings', { history_enabled: true });
    const created = await call(srv, 'POST', '/api/v1/conversations', { title: '  Capitals  ' });
    expect(created.status).toBe(201);
    const id = created.json.conversation.id as string;
    expect(created.json.conversation).toMatchObject({ title: 'Capitals', message_count: 0 });

    const chat = await fetch(`${srv.url}/api/v1/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...srv.auth },
      body: JSON.stringify({ prompt: 'What is the capital of France?', stream: true, conversation_id: id }),
    });
    const frames = parseSse(await chat.text());
    expect(frames.map((f) => f.event)).toEqual(['route', 'delta', 'delta', 'delta', 'delta', 'summary', 'done']);

    const got = await call(srv, 'GET', `/api/v1/conversations/${id}`);
    expect(got.status).toBe(200);
    expect(got.json.messages.map((m: any) => [m.role, m.content])).toEqual([
      ['user', 'What is the capital of France?'],
      ['assistant', 'Paris is the capital'],
    ]);
    const answer = got.json.messages[1];
    expect(answer.routing).toMatchObject({ route: 'small', model: 'tinyllama', engine: 'llamacpp' });
    expect(answer.summary.usage.output_tokens).toBe(4);
    expect(answer.summary.all_cloud_cost_micros).toBeGreaterThan(0);
    expect(answer.status).toBe('ok');

    const renamed = await call(srv, 'PATCH', `/api/v1/conversations/${id}`, { title: 'France' });
    expect(renamed.json.conversation.title).toBe('France');
    const bad = await call(srv, 'PATCH', `/api/v1/conversations/${id}`, { title: '' });
    expect(bad.status).toBe(400);
    expect(bad.json.error.message).toMatch(/"title"/);

    // Search matches message text as well as titles, and LIKE wildcards are literal.
    expect((await call(srv, 'GET', '/api/v1/conversations?search=capital')).json.conversations.map((c: any) => c.id)).toEqual([id]);
    expect((await call(srv, 'GET', '/api/v1/conversations?search=%25')).json.conversations).toEqual([]);
    // Each search result carries the words around the hit in a message (the ledger test covers a title-only hit); a plain list none.
    expect((await call(srv, 'GET', '/api/v1/conversations?search=CAPITAL')).json.conversations[0].snippet).toBe(
      'What is the capital of France?',
    );
    expect((await call(srv, 'GET', '/api/v1/conversations')).json.conversations[0]).not.toHaveProperty('snippet');
    expect((await call(srv, 'GET', '/api/v1/conversations?limit=0')).status).toBe(400);

    const trunc = await call(srv, 'DELETE', `/api/v1/conversations/${id}/messages/${answer.id}`);
    expect(trunc.json.deleted).toBe(1);
    expect((await call(srv, 'GET', `/api/v1/conversations/${id}`)).json.messages).toHaveLength(1);

    expect((await call(srv, 'DELETE', `/api/v1/conversations/${id}`)).json.deleted).toBe(true);
    expect((await call(srv, 'GET', `/api/v1/conversations/${id}`)).status).toBe(404);
    expect((await call(srv, 'DELETE', `/api/v1/conversations/${id}`)).status).toBe(404);
  });

  it('parent_id: a follow-up from a window still showing version 1 continues version 1, though another window made version 2 the leaf', async () => {
    await call(srv, 'PUT', '/api/v1/settings', { history_enabled: true });
    const id = (await call(srv, 'POST', '/api/v1/conversations', { title: 'Two windows' })).json.conversation.id as string;
    const ask = (body: object) => call(srv, 'POST', '/api/v1/chat', { conversation_id: id, ...body });
    const path = async () => (await call(srv, 'GET', `/api/v1/conversations/${id}`)).json.messages as any[];
    await ask({ prompt: 'q1' });
    const [, a1] = await path();
    // Window A regenerates the answer: version 2 is now the stored leaf.
    expect((await ask({ prompt: 'q1', model: 'claude-sonnet', version_of: a1.id })).status).toBe(200);
    expect((await path())[1].versions.index).toBe(2);
    // Window B still shows version 1 and asks a follow-up after it.
    const follow = await ask({
      messages: [
        { role: 'user', content: 'q1' },
        { role: 'assistant', content: a1.content },
        { role: 'user', content: 'q2' },
      ],
      parent_id: a1.id,
    });
    expect(follow.status).toBe(200);
    const p = await path();
    expect(p.map((m) => m.content)).toEqual(['q1', a1.content, 'q2', expect.any(String)]);
    expect(p[1]).toMatchObject({ id: a1.id, versions: { index: 1, count: 2 } });
    expect(p[2].parent_id).toBe(a1.id);

    const unknown = await ask({ prompt: 'x', parent_id: 'nope' });
    expect(unknown.status).toBe(400);
    expect(unknown.json.error.message).toMatch(/"parent_id": no prompt or answer "nope"/);
    const noConv = await call(srv, 'POST', '/api/v1/chat', { prompt: 'x', parent_id: a1.id });
    expect(noConv.status).toBe(400);
    expect(noConv.json.error.message).toMatch(/"parent_id": it needs "conversation_id"/);
  });

  it('versions: a regenerated answer and an edited prompt sit beside the originals; switching shows what followed each', async () => {
    await call(srv, 'PUT', '/api/v1/settings', { history_enabled: true });
    const id = (await call(srv, 'POST', '/api/v1/conversations', { title: 'Versions' })).json.conversation.id as string;
    const ask = (body: object) => call(srv, 'POST', '/api/v1/chat', { conversation_id: id, ...body });
    const path = async () => (await call(srv, 'GET', `/api/v1/conversations/${id}`)).json.messages as any[];
    await ask({ prompt: 'q1' });
    await ask({ messages: [{ role: 'user', content: 'q2' }] });
    await ask({ prompt: 'q3' });
    const [, , q2, a2] = await path();
    expect(a2.versions).toEqual({ index: 1, count: 1, ids: [a2.id] });

    // Regenerate answer 2: a second version; the path now ends there (q3 followed version 1).
    const regen = await ask({ prompt: 'q2', model: 'claude-sonnet', version_of: a2.id });
    expect(regen.status).toBe(200);
    let p = await path();
    expect(p.map((m) => m.content)).toEqual(['q1', 'Paris is the capital', 'q2', expect.any(String)]);
    expect(p[3]).toMatchObject({ parent_id: q2.id, request_id: regen.json.id, versions: { index: 2, count: 2, ids: [a2.id, p[3].id] } });
    // The prompt was not stored twice.
    expect(p.filter((m) => m.content === 'q2')).toHaveLength(1);

    // Switch back to version 1: q3 and its answer come back with it.
    const back = await call(srv, 'PUT', `/api/v1/conversations/${id}/active`, { message_id: a2.id });
    expect(back.status).toBe(200);
    expect(back.json.messages.map((m: any) => m.content)).toEqual([
      'q1',
      'Paris is the capital',
      'q2',
      'Paris is the capital',
      'q3',
      'Paris is the capital',
    ]);
    expect(back.json.messages[3].versions.index).toBe(1);
    expect((await path()).map((m) => m.content)).toHaveLength(6);

    // Edit prompt 2: the edited prompt is a version of q2, with its own answer.
    const edit = await ask({ prompt: 'q2 edited', version_of: q2.id });
    expect(edit.status).toBe(200);
    p = await path();
    expect(p.map((m) => m.content)).toEqual(['q1', 'Paris is the capital', 'q2 edited', 'Paris is the capital']);
    expect(p[2].versions).toEqual({ index: 2, count: 2, ids: [q2.id, p[2].id] });

    // Wrong ids are the caller's mistake, named.
    const unknown = await ask({ prompt: 'x', version_of: 'nope' });
    expect(unknown.status).toBe(400);
    expect(unknown.json.error.message).toMatch(/"version_of": no prompt or answer "nope"/);
    const noConv = await call(srv, 'POST', '/api/v1/chat', { prompt: 'x', version_of: a2.id });
    expect(noConv.status).toBe(400);
    expect(noConv.json.error.message).toMatch(/needs "conversation_id"/);
    const badActive = await call(srv, 'PUT', `/api/v1/conversations/${id}/active`, { message_id: 'nope' });
    expect(badActive.status).toBe(400);
    expect(badActive.json.error.message).toMatch(/no message "nope"/);
    expect((await call(srv, 'PUT', `/api/v1/conversations/${id}/active`, {})).status).toBe(400);
    expect((await call(srv, 'PUT', '/api/v1/conversations/nope/active', { message_id: a2.id })).status).toBe(404);

    // Every attempt is a request row of its own; nothing was deleted.
    const stored = await srv.core.ledger.listMessages(id);
    expect(stored).toHaveLength(9);
  });

  it('an unknown conversation_id is a clear 404 while history is on', async () => {
    const r = await call(srv, 'POST', '/api/v1/chat', { prompt: 'hi', conversation_id: 'nope' });
    expect(r.status).toBe(404);
    expect(r.json.error.message).toMatch(/Unknown conversation_id "nope"/);
  });

  it('delete all history removes conversations, messages and request texts but keeps the costs', async () => {
    const c = (await call(srv, 'POST', '/api/v1/conversations', { title: 'To go' })).json.conversation;
    await call(srv, 'POST', '/api/v1/chat', { prompt: 'secret prompt', conversation_id: c.id });
    const before = (await call(srv, 'GET', '/api/v1/stats?range=all')).json.totals.requests;

    // Export first: every conversation with every stored message (all versions), each answer's badge data and cost.
    const exp = await fetch(`${srv.url}/api/v1/history/export`, { headers: srv.auth });
    expect(exp.status).toBe(200);
    expect(exp.headers.get('content-disposition')).toMatch(/^attachment; filename="hybrid-ai-history-\d{4}-\d{2}-\d{2}\.json"$/);
    const doc = (await exp.json()) as any;
    expect(doc).toMatchObject({ format: 'hybrid-ai-history', version: 1, exported_at: expect.any(String) });
    // The documented wire type, exactly: nothing missing, nothing extra (zod drops unknown keys, so toEqual finds them).
    expect(historyExportSchema.parse(doc)).toEqual(doc);
    const listed = (await call(srv, 'GET', '/api/v1/conversations')).json.conversations as any[];
    expect(doc.conversations.map((x: any) => x.id)).toEqual(listed.map((x) => x.id));
    for (const x of doc.conversations) expect(x.messages).toHaveLength(x.message_count);
    const mine = doc.conversations.find((x: any) => x.id === c.id);
    expect(mine.messages.map((m: any) => [m.role, m.content])).toEqual([
      ['user', 'secret prompt'],
      ['assistant', 'Paris is the capital'],
    ]);
    expect(mine.leaf_id).toBe(mine.messages[1].id);
    expect(mine.messages[1].summary.all_cloud_cost_micros).toBeGreaterThan(0);

    const r = await call(srv, 'DELETE', '/api/v1/history');
    expect(r.status).toBe(200);
    expect(r.json.deleted.conversations).toBeGreaterThanOrEqual(1);
    expect(r.json.deleted.request_texts).toBeGreaterThanOrEqual(1);
    expect((await call(srv, 'GET', '/api/v1/conversations')).json.conversations).toEqual([]);
    expect(srv.core.ledger.recent(100).every((x) => x.prompt === null && x.response === null)).toBe(true);
    expect((await call(srv, 'GET', '/api/v1/stats?range=all')).json.totals.requests).toBe(before);
  });
});

describe('settings', () => {
  it('GET shows thresholds, local-only, caps, history and the API address + token', async () => {
    const r = await call(srv, 'GET', '/api/v1/settings');
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({
      local_only: false,
      daily_budget_micros: null,
      api: { address: srv.url, token: srv.auth.authorization!.slice(7), token_source: 'env' },
    });
    expect(r.json.thresholds.medium).toBeLessThanOrEqual(r.json.thresholds.cloud);
  });

  it('PUT validates every field and names what is valid', async () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ thresholds: { medium: 0.8, cloud: 0.5 } }, /medium must be ≤ cloud/],
      [{ thresholds: { medium: 0.2, cloud: 1.5 } }, /between 0 and 1/],
      [{ daily_budget_micros: 1.5 }, /integer number of micro-dollars/],
      [{ daily_budget_micros: -1 }, /≥ 0/],
      [{ local_only: 'yes' }, /"local_only"/],
      [{ colour: 'blue' }, /Unknown setting "colour"\. Valid: thresholds, local_only/],
      ['[]', /JSON object/],
    ];
    for (const [body, msg] of cases) {
      const r =
        typeof body === 'string'
          ? await fetch(`${srv.url}/api/v1/settings`, {
              method: 'PUT',
              headers: { 'content-type': 'application/json', ...srv.auth },
              body,
            }).then(async (res) => ({ status: res.status, json: (await res.json()) as any }))
          : await call(srv, 'PUT', '/api/v1/settings', body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.json.error.message).toMatch(msg);
    }
  });

  it('the settings table drives PUT and GET /api/v1/settings: each setting it gives the API is a PUT field, read back by GET', async () => {
    // One valid value per setting GET shows at its wire name (a setting added to the table fails here until it has one).
    const samples: Record<string, unknown> = {
      thresholds: { medium: 0.2, cloud: 0.7 },
      local_only: true,
      daily_budget_micros: 5_000_000,
      monthly_budget_micros: 90_000_000,
      history_enabled: false,
    };
    const shown = settingsApiFields.filter((s) => 'shown' in s).map((s) => s.wire);
    expect(shown.sort()).toEqual(Object.keys(samples).sort());
    expect(Object.keys(settingsPutBody.shape)).toEqual([...settingsApiFields.map((s) => s.wire), 'quality_cost']);
    const before = (await call(srv, 'GET', '/api/v1/settings')).json;
    for (const [wire, value] of Object.entries(samples)) expect(before[wire], wire).not.toEqual(value);
    const put = await call(srv, 'PUT', '/api/v1/settings', samples);
    expect(put.status).toBe(200);
    const got = (await call(srv, 'GET', '/api/v1/settings')).json;
    for (const [wire, value] of Object.entries(samples)) {
      expect(put.json[wire], wire).toEqual(value);
      expect(got[wire], wire).toEqual(value);
    }
    const restored = await call(srv, 'PUT', '/api/v1/settings', Object.fromEntries(Object.keys(samples).map((w) => [w, before[w]])));
    for (const wire of Object.keys(samples)) expect(restored.json[wire], wire).toEqual(before[wire]);
  });

  it('thresholds and local-only change routing at once', async () => {
    const allCloud = await call(srv, 'PUT', '/api/v1/settings', { thresholds: { medium: 0, cloud: 0 } });
    expect(allCloud.json.thresholds).toEqual({ medium: 0, cloud: 0 });
    expect((await call(srv, 'POST', '/api/v1/complexity', { prompt: 'hi' })).json.route).toBe('cloud');
    await call(srv, 'PUT', '/api/v1/settings', { local_only: true });
    const local = (await call(srv, 'POST', '/api/v1/complexity', { prompt: 'hi' })).json;
    expect(local.engine).toBe('llamacpp');
    expect(local.reasons.join(' ')).toMatch(/local-only/);
    // A named cloud model is refused with the cause typed in the native error (the app acts on `kind`, not the words);
    // the OpenAI shape stays OpenAI's own.
    const refused = await call(srv, 'POST', '/api/v1/chat', { prompt: 'hi', model: 'claude-sonnet' });
    expect(refused.status).toBe(403);
    expect(refused.json.error).toEqual({ type: 'forbidden', message: expect.stringMatching(/local-only mode is on/), kind: 'local-only' });
    const openAi = await call(srv, 'POST', '/v1/chat/completions', { model: 'claude-sonnet', messages: [{ role: 'user', content: 'hi' }] });
    expect(openAi.status).toBe(403);
    expect(Object.keys(openAi.json.error).sort()).toEqual(['code', 'message', 'param', 'type']);
    await call(srv, 'PUT', '/api/v1/settings', { local_only: false, thresholds: allCloud.json.default_thresholds });
  });

  it('a budget cap saved in Settings is what /api/v1/stats and routing use; reaching it keeps requests local', async () => {
    await call(srv, 'PUT', '/api/v1/settings', { thresholds: { medium: 0, cloud: 0 } });
    const first = await call(srv, 'POST', '/api/v1/chat', { prompt: 'a cloud question' });
    expect(first.json.routing.route).toBe('cloud');
    expect(first.json.cost_micros).toBeGreaterThan(0);
    const s = await call(srv, 'PUT', '/api/v1/settings', { daily_budget_micros: 1 });
    expect(s.json.daily_budget_micros).toBe(1);
    expect(s.json.budget_status.cloud_blocked).toMatch(/daily cloud budget .* reached/);
    expect((await call(srv, 'GET', '/api/v1/stats')).json.budget.daily_cap_micros).toBe(1);
    const second = await call(srv, 'POST', '/api/v1/chat', { prompt: 'another cloud question' });
    expect(second.json.routing.engine).toBe('llamacpp');
    expect(second.json.routing.reasons.join(' ')).toMatch(/budget/);
    const cleared = await call(srv, 'PUT', '/api/v1/settings', { daily_budget_micros: null, thresholds: s.json.default_thresholds });
    expect(cleared.json.daily_budget_micros).toBeNull();
    expect(cleared.json.budget_status.cloud_blocked).toBeNull();
  });

  it('regenerating a token set by HYBRID_AI_TOKEN is refused with the reason', async () => {
    const r = await call(srv, 'POST', '/api/v1/settings/token/regenerate');
    expect(r.status).toBe(403);
    expect(r.json.error.message).toMatch(/HYBRID_AI_TOKEN/);
  });
});

describe('token regeneration with a data-dir token', () => {
  let own: TestServer;
  beforeAll(async () => {
    own = await startTestServer({ engines: engines(), env: { HYBRID_AI_TOKEN: '' } });
  });
  afterAll(async () => {
    await own.close();
  });

  it('saves a new token in the data dir; the old one stops working at once', async () => {
    const old = own.core.token;
    const oldAuth = { authorization: `Bearer ${old}` };
    expect((await call(own, 'GET', '/api/v1/settings', undefined, oldAuth)).json.api.token_source).toBe('data-dir');
    const r = await call(own, 'POST', '/api/v1/settings/token/regenerate', undefined, oldAuth);
    expect(r.status).toBe(200);
    expect(r.json.token).not.toBe(old);
    expect(readFileSync(path.join(own.dataDir, 'api-token'), 'utf8').trim()).toBe(r.json.token);
    expect((await call(own, 'GET', '/api/v1/settings', undefined, oldAuth)).status).toBe(401);
    expect((await call(own, 'GET', '/api/v1/settings', undefined, { authorization: `Bearer ${r.json.token}` })).status).toBe(200);
    expect(own.core.token).toBe(r.json.token);
  });
});

describe('served UI', () => {
  let uiDir: string;
  let ui: TestServer;
  beforeAll(async () => {
    uiDir = mkdtempSync(path.join(os.tmpdir(), 'hai-ui-'));
    mkdirSync(path.join(uiDir, 'assets'));
    writeFileSync(
      path.join(uiDir, 'index.html'),
      '<!doctype html><title>t</title><script type="module" src="./assets/app-abc123.js"></script>',
    );
    writeFileSync(path.join(uiDir, 'assets', 'app-abc123.js'), 'console.log(1)');
    writeFileSync(path.join(uiDir, 'secret.txt'), 'outside assets');
    ui = await startTestServer({ engines: engines() });
  });
  afterAll(async () => {
    await ui.close();
    rmSync(uiDir, { recursive: true, force: true });
  });

  it('serves index.html without a token, with a strict CSP and no-cache', async () => {
    const app = Fastify();
    mountStatic(app, { uiDir });
    const index = await app.inject({ method: 'GET', url: '/' });
    expect(index.statusCode).toBe(200);
    expect(index.headers['content-type']).toMatch(/text\/html/);
    expect(index.headers['cache-control']).toBe('no-cache');
    const csp = String(index.headers['content-security-policy']);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    const asset = await app.inject({ method: 'GET', url: '/assets/app-abc123.js' });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['content-type']).toMatch(/text\/javascript/);
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    for (const url of ['/assets/../secret.txt', '/assets/%2e%2e/secret.txt', '/assets/nope.js', '/assets/']) {
      expect((await app.inject({ method: 'GET', url })).statusCode, url).toBe(404);
    }
    await app.close();
  });

  it('the real server answers / without a token (built UI or the how-to-build page) and keeps the API locked', async () => {
    const res = await fetch(`${ui.url}/`);
    expect([200, 503]).toContain(res.status);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = await res.text();
    if (res.status === 503) expect(html).toContain('npm run build:ui');
    else expect(html).toContain('<div id="root">');
    expect((await fetch(`${ui.url}/api/v1/settings`)).status).toBe(401);
  });

  it('when the UI is missing, / explains how to build it', async () => {
    const app = Fastify();
    mountStatic(app, { uiDir: path.join(uiDir, 'missing') });
    const r = await app.inject({ method: 'GET', url: '/' });
    expect(r.statusCode).toBe(503);
    expect(r.body).toContain('npm run build:ui');
    expect(r.headers['content-security-policy']).toContain("default-src 'none'");
    await app.close();
  });
});
