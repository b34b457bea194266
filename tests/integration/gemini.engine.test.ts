// The Gemini engine through the real @google/genai SDK against the Gemini API stand-in (AI Studio and Vertex AI): contract, errors, tools, structured output, usage, abort, key checks, key hygiene.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { StreamEvent } from '../../router-core/contracts/stream.js';
import { checkKey, createGeminiEngine, type GeminiEngineOptions } from '../../router-core/engines/gemini.js';
import { closedPortURL, collect, failureOf, request, runCloudEngineSuite } from '../contract/cloud-engine.contract.js';
import { runEngineContract } from '../contract/engine.contract.js';
import { type GeminiStandIn, startGeminiStandIn } from '../stand-ins/gemini.js';

const KEY = 'AIzaSy-TEST-KEY-must-never-leak-0123456789';
let standIn: GeminiStandIn;
let deadURL: string;
let dir: string;
let serviceAccountFile: string;
const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });

beforeAll(async () => {
  standIn = await startGeminiStandIn({
    apiKey: KEY,
    cachedTokens: 2,
    thoughtsTokens: 3,
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  });
  deadURL = await closedPortURL();
  dir = mkdtempSync(join(tmpdir(), 'gemini-sa-'));
  serviceAccountFile = join(dir, 'service-account.json');
  // A service-account key made for this test. Its universe is not googleapis.com, so google-auth-library signs its own
  // JWT with the key (its self-signed JWT path) instead of exchanging it at oauth2.googleapis.com (no network here).
  writeFileSync(
    serviceAccountFile,
    JSON.stringify({
      type: 'service_account',
      project_id: 'proj-1',
      private_key_id: 'standin-key-1',
      private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      client_email: 'router@proj-1.iam.gserviceaccount.com',
      client_id: '1234567890',
      token_uri: 'https://oauth2.googleapis.com/token',
      universe_domain: 'standin.test',
    }),
  );
});
afterAll(async () => {
  await standIn.close();
  rmSync(dir, { recursive: true, force: true });
});
afterEach(() => {
  standIn.setMode({ kind: 'normal' });
  standIn.setDeltaDelay(5);
});

const engineWith = (o: Partial<GeminiEngineOptions> = {}) => createGeminiEngine({ apiKey: KEY, baseURL: standIn.url, maxRetries: 0, ...o });
const vertexEngine = (o: Partial<GeminiEngineOptions> = {}) =>
  createGeminiEngine({
    vertex: { project: 'proj-1', location: 'europe-west4', credentialsFile: serviceAccountFile },
    baseURL: standIn.url,
    maxRetries: 0,
    ...o,
  });

const textOf = (events: StreamEvent[]) => events.map((e) => (e.type === 'text-delta' ? e.text : '')).join('');

runCloudEngineSuite({
  name: 'gemini',
  contractName: 'gemini (AI Studio) via @google/genai (stand-in)',
  key: KEY,
  model: 'gemini-2.5-flash',
  standIn: () => standIn,
  engine: engineWith,
  engineWithKey: (apiKey, o) => engineWith({ ...o, apiKey }),
  unreachableEngine: () => engineWith({ baseURL: deadURL }),
  // AI Studio answers a wrong key with 400 API_KEY_INVALID.
  wrongKey: {
    name: 'wrong key (400 API_KEY_INVALID)',
    key: 'AIza-wrong',
    message: 'Gemini rejected the credentials (HTTP 400 INVALID_ARGUMENT).',
    secret: 'AIzaSy-WRONG-KEY-also-secret-987654321',
  },
  failures: [
    { name: '401 UNAUTHENTICATED', mode: { kind: 'error', status: 401 }, expectType: 'upstream_auth' },
    { name: '429 RESOURCE_EXHAUSTED', mode: { kind: 'error', status: 429 }, expectType: 'upstream_rate_limited' },
    { name: '500 INTERNAL', mode: { kind: 'error', status: 500 }, expectType: 'upstream_error' },
    { name: '503 UNAVAILABLE', mode: { kind: 'error', status: 503 }, expectType: 'upstream_overloaded' },
    { name: '400 INVALID_ARGUMENT', mode: { kind: 'error', status: 400 }, expectType: 'upstream_error' },
    { name: 'connection breaks midway', mode: { kind: 'break', afterDeltas: 1 }, expectType: 'upstream_error' },
    { name: 'error chunk mid-stream', mode: { kind: 'stream-error', afterDeltas: 1 }, expectType: 'upstream_overloaded' },
    { name: 'stream ends without a finishReason', mode: { kind: 'no-finish' }, expectType: 'upstream_error' },
  ],
  // Gemini sends no retry-after header: the delay is the body's RetryInfo (7s in the stand-in).
  rateLimit: { mode: { kind: 'error', status: 429 }, retryAfter: 7 },
  hang: { kind: 'hang' },
});

runEngineContract('gemini (Vertex AI, service-account file) via @google/genai (stand-in)', {
  make: async () => ({ engine: vertexEngine(), model: 'gemini-2.5-pro' }),
  timeoutMs: 5_000,
});

describe('gemini engine on the wire (AI Studio)', () => {
  it('streams generateContent with alt=sse: provider model, systemInstruction, generation config, the key in x-goog-api-key', async () => {
    const n = standIn.requests.length;
    await collect(
      engineWith().chat(
        {
          model: 'gemini-flash',
          request: request('Hello there', 5, {
            messages: [
              { role: 'system', content: 'Be brief.' },
              { role: 'user', content: 'Hello' },
              { role: 'user', content: 'there' },
            ],
            params: { maxTokens: 5, temperature: 0.3, topP: 0.9, stop: ['END'], seed: 7 },
          }),
        },
        new AbortController().signal,
      ),
    );
    const r = standIn.requests[n]!;
    expect(r.api).toBe('ai-studio');
    expect(r.path).toMatch(/^\/v1(beta)?\/models\/gemini-2\.5-flash:streamGenerateContent$/);
    expect(r.query.alt).toBe('sse');
    expect(r.headers['x-goog-api-key']).toBe(KEY);
    expect(r.headers.authorization).toBeUndefined();
    expect(r.body).toMatchObject({
      contents: [{ role: 'user', parts: [{ text: 'Hello' }, { text: 'there' }] }],
      systemInstruction: { parts: [{ text: 'Be brief.' }] },
      generationConfig: {
        maxOutputTokens: 5,
        temperature: 0.3,
        topP: 0.9,
        stopSequences: ['END'],
        seed: 7,
        // 2.5 Flash thinks by default: routed answers switch it off.
        thinkingConfig: { thinkingBudget: 0 },
      },
    });
  });

  it('usage: prompt tokens with the cached ones apart, thinking counted as output; thought parts never reach the caller', async () => {
    const events = await collect(
      engineWith().chat({ model: 'gemini-2.5-pro', request: request('one two three four', 6) }, new AbortController().signal),
    );
    expect(textOf(events)).toBe('Stand-in Gemini heard:');
    expect(events[0]).toEqual({ type: 'start', model: 'gemini-2.5-pro', engine: 'gemini' });
    expect(events.slice(-2)).toEqual([
      { type: 'usage', usage: { inputTokens: 4, outputTokens: 3 + 3, cachedInputTokens: 2 } },
      { type: 'done', finishReason: 'length' },
    ]);
    // 2.5 Pro cannot switch thinking off: no thinkingConfig is sent for it.
    expect((standIn.requests.at(-1)!.body as { generationConfig: object }).generationConfig).not.toHaveProperty('thinkingConfig');
  });

  it('tools both ways: function declarations out, the call back whole, the result sent as a functionResponse', async () => {
    const tools = [
      {
        name: 'get_weather',
        description: 'Weather in a city',
        parameters: { type: 'object', properties: { city: { type: 'string' }, days: { type: 'integer', minimum: 2 } }, required: ['city'] },
      },
    ];
    const first = await collect(
      engineWith().chat(
        { model: 'gemini-2.5-flash', request: request('Weather in Paris?', 50, { tools, toolChoice: 'auto' }) },
        new AbortController().signal,
      ),
    );
    expect(standIn.requests.at(-1)!.body).toMatchObject({
      tools: [
        { functionDeclarations: [{ name: 'get_weather', description: 'Weather in a city', parametersJsonSchema: tools[0]!.parameters }] },
      ],
      toolConfig: { functionCallingConfig: { mode: 'AUTO' } },
    });
    const call = first.find((e) => e.type === 'tool-call');
    expect(call).toEqual({ type: 'tool-call', call: { id: 'gemini_call_1', name: 'get_weather', arguments: '{"city":"Paris","days":2}' } });
    expect(first.at(-1)).toEqual({ type: 'done', finishReason: 'tool_calls' });

    const second = await collect(
      engineWith().chat(
        {
          model: 'gemini-2.5-flash',
          request: request('', 50, {
            tools,
            messages: [
              { role: 'user', content: 'Weather in Paris?' },
              {
                role: 'assistant',
                content: '',
                toolCalls: [{ id: 'gemini_call_1', name: 'get_weather', arguments: '{"city":"Paris","days":2}' }],
              },
              { role: 'tool', toolCallId: 'gemini_call_1', content: '{"temp":21}' },
            ],
          }),
        },
        new AbortController().signal,
      ),
    );
    // Our made-up id is not sent as Gemini's; the response is named after the call it answers.
    expect((standIn.requests.at(-1)!.body as { contents: unknown }).contents).toEqual([
      { role: 'user', parts: [{ text: 'Weather in Paris?' }] },
      { role: 'model', parts: [{ functionCall: { name: 'get_weather', args: { city: 'Paris', days: 2 } } }] },
      { role: 'user', parts: [{ functionResponse: { name: 'get_weather', response: { temp: 21 } } }] },
    ]);
    expect(second.at(-1)).toEqual({ type: 'done', finishReason: 'stop' });
    expect(textOf(second).length).toBeGreaterThan(0);
  });

  it('a forced tool is ANY limited to it', async () => {
    const tools = [
      { name: 'a', parameters: { type: 'object', properties: {} } },
      { name: 'b', parameters: { type: 'object', properties: { x: { type: 'boolean' } } } },
    ];
    const events = await collect(
      engineWith().chat(
        { model: 'gemini-2.5-flash', request: request('go', 50, { tools, toolChoice: { name: 'b' } }) },
        new AbortController().signal,
      ),
    );
    expect(standIn.requests.at(-1)!.body).toMatchObject({
      toolConfig: { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['b'] } },
    });
    expect(events.find((e) => e.type === 'tool-call')).toMatchObject({ call: { name: 'b', arguments: '{"x":true}' } });
  });

  it('structured output: JSON MIME type with the schema as responseJsonSchema, and the answer is that JSON', async () => {
    const schema = {
      type: 'object',
      properties: { city: { type: 'string' }, population: { type: 'integer' } },
      required: ['city', 'population'],
    };
    const events = await collect(
      engineWith().chat(
        {
          model: 'gemini-2.5-flash',
          request: request('Largest city of France?', 100, { responseFormat: { type: 'json_schema', schema } }),
        },
        new AbortController().signal,
      ),
    );
    expect(standIn.requests.at(-1)!.body).toMatchObject({
      generationConfig: { responseMimeType: 'application/json', responseJsonSchema: schema },
    });
    expect(JSON.parse(textOf(events))).toEqual({ city: 'Paris', population: 1 });
    const any = await collect(
      engineWith().chat(
        { model: 'gemini-2.5-flash', request: request('x', 100, { responseFormat: { type: 'json' } }) },
        new AbortController().signal,
      ),
    );
    expect(JSON.parse(textOf(any))).toEqual({ answer: 'Paris' });
  });

  it('probe: the catalog Gemini models with tools and structured output; no key → unavailable', async () => {
    expect(await engineWith().probe()).toEqual({
      ok: true,
      models: ['gemini-2.5-pro', 'gemini-2.5-flash', 'gemini-2.5-flash-lite'],
      tools: true,
      structuredOutput: true,
    });
    expect(await createGeminiEngine({ apiKey: () => undefined }).probe()).toMatchObject({
      ok: false,
      reason: 'no Gemini API key configured',
    });
  });

  it("refuses a model that is not Gemini's, naming the valid ones, before any request", async () => {
    const n = standIn.requests.length;
    const e = await failureOf(collect(engineWith().chat({ model: 'gpt-5.4', request: request('hi') }, new AbortController().signal)));
    expect(e).toMatchObject({ type: 'no_model_available' });
    expect((e as Error).message).toMatch(/gemini-2\.5-pro, gemini-2\.5-flash, gemini-2\.5-flash-lite/);
    expect(standIn.requests.length).toBe(n);
  });
});

describe('gemini engine on Vertex AI', () => {
  it('hits the Vertex URL for the project and location with a bearer JWT signed by the service-account key', async () => {
    const n = standIn.requests.length;
    const events = await collect(
      vertexEngine().chat({ model: 'gemini-2.5-pro', request: request('hi there', 4) }, new AbortController().signal),
    );
    expect(events.at(-1)).toMatchObject({ type: 'done' });
    const r = standIn.requests[n]!;
    expect(r.api).toBe('vertex');
    expect(r.path).toMatch(
      /^\/v1(beta1)?\/projects\/proj-1\/locations\/europe-west4\/publishers\/google\/models\/gemini-2\.5-pro:streamGenerateContent$/,
    );
    expect(r.query.alt).toBe('sse');
    expect(r.headers['x-goog-api-key']).toBeUndefined();
    // The stand-in verified the token's RS256 signature with the public half of the key in the file.
    expect(r.jwtClaims).toMatchObject({ iss: 'router@proj-1.iam.gserviceaccount.com', sub: 'router@proj-1.iam.gserviceaccount.com' });
  });

  it('application-default credentials: without a file option, GOOGLE_APPLICATION_CREDENTIALS names the key file', async () => {
    vi.stubEnv('GOOGLE_APPLICATION_CREDENTIALS', serviceAccountFile);
    try {
      const n = standIn.requests.length;
      const events = await collect(
        createGeminiEngine({ vertex: { project: 'proj-2', location: 'us-east5' }, baseURL: standIn.url, maxRetries: 0 }).chat(
          { model: 'gemini-2.5-flash', request: request('hi', 2) },
          new AbortController().signal,
        ),
      );
      expect(events.at(-1)).toMatchObject({ type: 'done' });
      expect(standIn.requests[n]).toMatchObject({ api: 'vertex', project: 'proj-2', location: 'us-east5' });
      expect(standIn.requests[n]!.jwtClaims).toMatchObject({ iss: 'router@proj-1.iam.gserviceaccount.com' });
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('a token the key did not sign is refused as upstream_auth', async () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const badFile = join(dir, 'other.json');
    writeFileSync(
      badFile,
      JSON.stringify({
        type: 'service_account',
        project_id: 'proj-1',
        private_key_id: 'other',
        private_key: other.export({ type: 'pkcs8', format: 'pem' }).toString(),
        client_email: 'intruder@proj-1.iam.gserviceaccount.com',
        client_id: '1',
        universe_domain: 'standin.test',
      }),
    );
    const e = await failureOf(
      collect(
        vertexEngine({ vertex: { project: 'proj-1', location: 'us-central1', credentialsFile: badFile } }).chat(
          { model: 'gemini-2.5-pro', request: request('hi') },
          new AbortController().signal,
        ),
      ),
    );
    expect(e).toMatchObject({ type: 'upstream_auth' });
    expect((e as Error).message).toMatch(/^Vertex AI \(proj-1\/us-central1\) rejected the credentials/);
  });

  it('a missing credentials file is upstream_auth before any request', async () => {
    const n = standIn.requests.length;
    const e = await failureOf(
      collect(
        vertexEngine({ vertex: { project: 'proj-1', location: 'us-central1', credentialsFile: join(dir, 'nope.json') } }).chat(
          { model: 'gemini-2.5-pro', request: request('hi') },
          new AbortController().signal,
        ),
      ),
    );
    expect(e).toMatchObject({ type: 'upstream_auth' });
    expect(standIn.requests.length).toBe(n);
  });
});

describe('gemini checkKey: one token on save', () => {
  it('a working key: one generateContent for one token on the cheapest catalog model', async () => {
    const n = standIn.requests.length;
    expect(await checkKey({ apiKey: KEY, baseURL: standIn.url })).toEqual({ ok: true });
    const sent = standIn.requests.slice(n);
    expect(sent.map((r) => r.path)).toEqual([expect.stringMatching(/^\/v1(beta)?\/models\/gemini-2\.5-flash-lite:generateContent$/)]);
    expect(sent[0]!.body).toMatchObject({ generationConfig: { maxOutputTokens: 1 } });
  });

  it('a wrong key: upstream_auth, never the key', async () => {
    const wrong = 'AIzaSy-WRONG-check-key-000111222333';
    const r = await checkKey({ apiKey: wrong, baseURL: standIn.url });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.type).toBe('upstream_auth');
    expect(r.error.message).toBe('Gemini rejected the credentials (HTTP 400 INVALID_ARGUMENT).');
    expect(JSON.stringify({ m: r.error.message, c: r.error.cause, s: r.error.stack })).not.toContain(wrong);
  });

  it('Vertex AI: checked with the service-account file', async () => {
    expect(
      await checkKey({
        vertex: { project: 'proj-1', location: 'europe-west4', credentialsFile: serviceAccountFile },
        baseURL: standIn.url,
      }),
    ).toEqual({
      ok: true,
    });
    expect(standIn.requests.at(-1)!.api).toBe('vertex');
  });
});
