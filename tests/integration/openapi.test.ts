// GET /openapi.json against a real gateway (llama.cpp on a generated GGUF, the Claude stand-in): the document is valid
// OpenAPI 3.1, lists every route the server registers, every route it lists exists, and the shapes it documents are
// the ones the server sends.
import { validate, compileErrors } from '@readme/openapi-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ErrorType } from '../../router-core/contracts/errors.js';
import { CoreError, errorStatus } from '../../router-core/errors.js';
import {
  chatAnswerSchema,
  claudeKeyStatusSchema,
  complexitySchema,
  downloadsSchema,
  feedbackStatsSchema,
  healthSchema,
  localModelsSchema,
  modelsSchema,
  queueSchema,
  readySchema,
  routingStatsAnswerSchema,
  settingsSchema,
  statsSchema,
  systemSchema,
  tuneProposalSchema,
} from '../../router-core/gateway/api-schemas.js';
import { routeTable } from '../../router-core/gateway/app.js';
import { anthropicErrorSchema, nativeErrorSchema, ollamaErrorSchema, openAiErrorSchema } from '../../router-core/gateway/api-schemas.js';
import { protocols } from '../../router-core/gateway/protocols/index.js';
import { startRealGateway, type RealGateway } from '../fixtures/real-gateway.js';
import { camelKeys } from '../fixtures/wire-keys.js';
import type { TestServer } from './helpers.js';

let gw: RealGateway;
let srv: TestServer;
let doc: any;

beforeAll(async () => {
  gw = await startRealGateway();
  srv = gw.srv;
  const res = await fetch(`${srv.url}/openapi.json`);
  expect(res.status).toBe(200);
  doc = await res.json();
}, 60_000);
afterAll(async () => gw?.close());

/** The answer fits its documented schema at every depth: zod drops keys it does not know, so an extra key anywhere changes the parse. */
const fitsExactly = (schema: { parse(v: unknown): unknown }, v: unknown): void => expect(schema.parse(v)).toEqual(v);

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;
/** `/a/{id}/b`, `/a/:id/b` and `/a/*` all as `/a/{}/b` / `/a/{}`. */
const shape = (p: string): string =>
  p
    .replace(/\{[^}]+\}/g, '{}')
    .replace(/:[^/]+/g, '{}')
    .replace(/\*/g, '{}');

function documented(): Array<{ method: string; path: string }> {
  return Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, item]) =>
    METHODS.filter((m) => item[m] !== undefined).map((m) => ({ method: m.toUpperCase(), path })),
  );
}

describe('GET /openapi.json', () => {
  it('is served without a token and is a valid OpenAPI 3.1 document', async () => {
    expect(doc.openapi).toBe('3.1.0');
    const result = await validate(structuredClone(doc));
    expect(result.valid, result.valid ? '' : compileErrors(result)).toBe(true);
  });

  it('refuses pages of other origins like every route (public does not mean open to other sites)', async () => {
    const res = await fetch(`${srv.url}/openapi.json`, { headers: { origin: 'http://evil.example' } });
    expect(res.status).toBe(403);
  });

  it('lists every route the server registers (HEAD aside: Fastify adds one to each GET)', () => {
    const docs = new Set(documented().map((o) => `${o.method} ${shape(o.path)}`));
    const routes = routeTable(srv.core.app).filter((r) => r.method !== 'HEAD' && r.method !== 'OPTIONS');
    expect(routes.length).toBeGreaterThan(60);
    const missing = routes.map((r) => `${r.method} ${shape(r.url)}`).filter((r) => !docs.has(r));
    expect(missing).toEqual([]);
  });

  it('lists only routes that exist: each answers something other than the "no route" 404', async () => {
    // An app key probes them: it may run only the model APIs, so routes that change state answer 403 before their
    // handler runs (a 403 that needs a matched route), and chat routes get an empty body (a 400).
    const created = await fetch(`${srv.url}/api/v1/keys`, {
      method: 'POST',
      headers: { ...srv.auth, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'openapi-probe', rate_limit_per_min: 1_000_000 }),
    });
    expect(created.status).toBe(201);
    const { key } = (await created.json()) as { key: string };
    const ops = documented();
    expect(ops.length).toBeGreaterThan(60);
    const misses: string[] = [];
    for (const op of ops) {
      const url = srv.url + op.path.replace(/\{[^}]+\}/g, 'probe-id');
      const hasBody = doc.paths[op.path][op.method.toLowerCase()].requestBody !== undefined;
      const res = await fetch(url, {
        method: op.method,
        headers: { authorization: `Bearer ${key}`, ...(hasBody ? { 'content-type': 'application/json' } : {}) },
        ...(hasBody ? { body: '{}' } : {}),
      });
      const text = await res.text();
      if (res.status === 404 && text.includes('No route')) misses.push(`${op.method} ${op.path}`);
    }
    expect(misses).toEqual([]);
    // The probe can see a miss: an undocumented path answers the "no route" 404.
    const miss = await fetch(`${srv.url}/api/v1/not-a-route`, { headers: { authorization: `Bearer ${key}` } });
    expect(miss.status).toBe(404);
    expect(await miss.text()).toContain('No route');
  });

  it('documents request bodies from the schemas that validate them (a field the validator refuses is not in the document)', async () => {
    const body = doc.components.schemas.NativeChatRequest;
    expect(Object.keys(body.properties)).toEqual(expect.arrayContaining(['prompt', 'messages', 'model', 'stream', 'conversation_id']));
    expect(body.properties.max_tokens).toMatchObject({ type: 'integer', minimum: 1, maximum: 32768 });
    const res = await fetch(`${srv.url}/api/v1/chat`, {
      method: 'POST',
      headers: { ...srv.auth, 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'hi', max_tokens: 32769 }),
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('max_tokens');
    // Every protocol's chat body is there, with its own fields.
    expect(doc.components.schemas.OpenAIChatCompletionRequest.properties).toHaveProperty('response_format');
    expect(doc.components.schemas.AnthropicMessagesRequest.properties).toHaveProperty('max_tokens');
    expect(doc.components.schemas.OllamaChatRequest.properties).toHaveProperty('format');
    expect(doc.paths['/api/v1/chat'].post.requestBody.content['application/json'].schema.$ref).toBe(
      '#/components/schemas/NativeChatRequest',
    );
  });

  it('documents auth: bearer and x-api-key everywhere but the public routes, and which take app keys', () => {
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.components.securitySchemes.apiKeyHeader).toMatchObject({ type: 'apiKey', in: 'header', name: 'x-api-key' });
    const publicOps = routeTable(srv.core.app).filter((r) => r.public && r.method === 'GET');
    for (const r of publicOps) expect(doc.paths[r.url.replace(/\*/g, '{path}')].get.security, r.url).toEqual([]);
    expect(doc.paths['/api/v1/settings'].get.security).toEqual([{ bearerAuth: [] }, { apiKeyHeader: [] }]);
    expect(doc.paths['/v1/chat/completions'].post['x-app-keys']).toBe(true);
    expect(doc.paths['/api/v1/keys'].post['x-app-keys']).toBe(false);
    // An app key reads its own place in the queue; the whole machine view stays the API token's.
    expect(doc.paths['/api/v1/queue'].get['x-app-keys']).toBe(true);
    expect(doc.paths['/api/v1/system'].get['x-app-keys']).toBe(false);
  });

  it("documents each protocol's error shape, and each adapter's errors fit it for every error type", () => {
    const byProtocol = {
      native: nativeErrorSchema,
      openai: openAiErrorSchema,
      'openai-responses': openAiErrorSchema,
      ollama: ollamaErrorSchema,
      anthropic: anthropicErrorSchema,
    };
    for (const p of protocols) {
      const schema = byProtocol[p.name as keyof typeof byProtocol];
      expect(schema, p.name).toBeDefined();
      for (const type of Object.keys(errorStatus) as ErrorType[]) {
        schema.parse(p.encodeError(new CoreError(type, `a ${type}`)));
        schema.parse(p.encodeError(new CoreError(type, 'x', { details: { param: 'model', value: 'nope', valid: ['auto'] } })));
      }
    }
    const errRef = (path: string, method: string) => doc.paths[path][method].responses['4XX'].content['application/json'].schema.$ref;
    expect(errRef('/api/v1/chat', 'post')).toBe('#/components/schemas/NativeError');
    expect(errRef('/v1/chat/completions', 'post')).toBe('#/components/schemas/OpenAIError');
    expect(errRef('/api/chat', 'post')).toBe('#/components/schemas/OllamaError');
    expect(errRef('/v1/messages', 'post')).toBe('#/components/schemas/AnthropicError');
    expect(doc.components.schemas.NativeError.properties.error.properties.type.enum).toEqual(Object.keys(errorStatus));
  });

  it('documents the answers the server really sends (chat, complexity, health, ready, stats, routing and feedback stats, system, models, local models, downloads, tuner, settings, Claude key, errors)', async () => {
    const post = (path: string, body: unknown) =>
      fetch(`${srv.url}${path}`, {
        method: 'POST',
        headers: { ...srv.auth, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const chat = await post('/api/v1/chat', { prompt: 'Say hello.', max_tokens: 8 });
    expect(chat.status).toBe(200);
    chatAnswerSchema.strict().parse(await chat.json());
    complexitySchema.strict().parse(await (await post('/api/v1/complexity', { prompt: 'Prove Fermat.' })).json());
    healthSchema.strict().parse(await (await fetch(`${srv.url}/health`)).json());
    readySchema.strict().parse(await (await fetch(`${srv.url}/ready`)).json());
    const get = async (path: string) => (await fetch(`${srv.url}${path}`, { headers: srv.auth })).json();
    const stats = await get('/api/v1/stats?range=all');
    statsSchema.strict().parse(stats);
    const routingStats = await get('/api/v1/routing/stats?range=all');
    routingStatsAnswerSchema.strict().parse(routingStats);
    const feedbackStats = await get('/api/v1/feedback/stats');
    feedbackStatsSchema.strict().parse(feedbackStats);
    // The stats answers are snake_case all the way down, as the rest of the native API.
    expect(stats.by_model.length).toBeGreaterThan(0);
    expect([...camelKeys(stats), ...camelKeys(routingStats), ...camelKeys(feedbackStats)]).toEqual([]);
    // So are the machine, model and download answers (the download answers' progress objects: models-api.test.ts).
    const system = await get('/api/v1/system');
    systemSchema.strict().parse(system);
    fitsExactly(systemSchema, system);
    expect(system.hardware).not.toBeNull();
    expect(system.parallel.models.length).toBeGreaterThan(0); // the chat above loaded the model
    const queue = await get('/api/v1/queue');
    queueSchema.strict().parse(queue);
    fitsExactly(queueSchema, queue);
    expect(queue.scope).toBe('all');
    const models = await get('/api/v1/models');
    modelsSchema.strict().parse(models);
    fitsExactly(modelsSchema, models);
    expect(models.engines.llamacpp).toMatchObject({ serves_all_local_as: 'tiny', context_lengths: expect.any(Object) });
    const local = await get('/api/v1/models/local');
    localModelsSchema.strict().parse(local);
    fitsExactly(localModelsSchema, local);
    expect(local.local_model_file).toMatchObject({ name: 'tiny.gguf', size_bytes: expect.any(Number) });
    const downloads = await get('/api/v1/downloads');
    downloadsSchema.strict().parse(downloads);
    const tune = await get('/api/v1/feedback/tune');
    tuneProposalSchema.strict().parse(tune);
    fitsExactly(tuneProposalSchema, tune);
    // Engines and context lengths are keyed by id (data, not field names): only their values are checked.
    const records = ['.engines', '.engines.*.context_lengths'];
    expect([system, queue, models, local, downloads, tune].flatMap((a) => camelKeys(a, records))).toEqual([]);
    settingsSchema.strict().parse(await get('/api/v1/settings'));
    claudeKeyStatusSchema.strict().parse(await get('/api/v1/settings/claude-key'));
    nativeErrorSchema.strict().parse(await (await post('/api/v1/chat', {})).json());
    openAiErrorSchema.parse(await (await post('/v1/chat/completions', {})).json());
    ollamaErrorSchema.parse(await (await post('/api/chat', { model: 'nope', messages: [{ role: 'user', content: 'x' }] })).json());
    anthropicErrorSchema.parse(await (await post('/v1/messages', {})).json());
    // The first chat loads the model: on a busy 2-core runner that alone can pass the default 30 s.
  }, 120_000);
});
