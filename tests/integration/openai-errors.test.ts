// OpenAI's error shape on every OpenAI route, read by the official `openai` client: `{error: {message, type, param,
// code}}` with `param` the field at fault (null when none) and `code` always present, for 400s and 401/404/429/503 alike.
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineId } from '../../router-core/contracts/decision.js';
import type { Engine } from '../../router-core/engines/engine.js';
import { createFakeEngine } from '../fakes/engines.js';
import { startTestServer, TOKEN, type TestServer } from './helpers.js';

let srv: TestServer;

beforeAll(async () => {
  const local = createFakeEngine({ id: 'llamacpp', models: ['tinyllama'], words: () => ['Hi'] });
  // No Claude key: a cloud model is a 503 no_model_available.
  srv = await startTestServer({ engines: new Map<EngineId, Engine>([['llamacpp', local]]) });
});
afterAll(async () => {
  await srv.close();
});

const client = (apiKey = TOKEN) => new OpenAI({ baseURL: `${srv.url}/v1`, apiKey, maxRetries: 0 });
const user = [{ role: 'user' as const, content: 'hi' }];

/** The APIError a call ends with (fails the test when the call succeeds). */
async function refusal(call: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  const e = await call.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(OpenAI.APIError);
  return e as InstanceType<typeof OpenAI.APIError>;
}

describe('OpenAI error shape: param names the field at fault', () => {
  const cases: Array<[string, () => Promise<unknown>, string]> = [
    ['chat: messages missing', () => client().chat.completions.create({ model: 'auto' } as never), 'messages'],
    ['chat: messages empty', () => client().chat.completions.create({ model: 'auto', messages: [] }), 'messages'],
    [
      'chat: temperature not a number',
      () => client().chat.completions.create({ model: 'auto', messages: user, temperature: 'hot' as never }),
      'temperature',
    ],
    [
      'chat: a message with an unknown role',
      () => client().chat.completions.create({ model: 'auto', messages: [...user, { role: 'bogus', content: 'x' } as never] }),
      'messages[1].role',
    ],
    ['chat: n > 1', () => client().chat.completions.create({ model: 'auto', messages: user, n: 2 }), 'n'],
    [
      'chat: only a system message',
      () => client().chat.completions.create({ model: 'auto', messages: [{ role: 'system', content: 'be brief' }] }),
      'messages',
    ],
    [
      'chat: tool_choice names a tool not offered',
      () =>
        client().chat.completions.create({
          model: 'auto',
          messages: user,
          tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: {} } } }],
          tool_choice: { type: 'function', function: { name: 'nope' } },
        }),
      'tool_choice',
    ],
    ['completions: prompt missing', () => client().completions.create({ model: 'auto' } as never), 'prompt'],
    [
      'responses: temperature not a number',
      () => client().responses.create({ model: 'auto', input: 'hi', temperature: 'x' as never }),
      'temperature',
    ],
    ['embeddings: input missing', () => client().embeddings.create({ model: 'auto' } as never), 'input'],
  ];
  it.each(cases)('%s → 400 whose param names the field', async (_label, call, param) => {
    const e = await refusal(call());
    expect(e).toBeInstanceOf(OpenAI.BadRequestError);
    expect(e.param).toBe(param);
    expect(e.type).toBe('invalid_request_error');
    expect(e.code).toBe('invalid_request');
    expect(e.message).toContain(`Invalid "${param}"`);
  });

  it('a body that is not JSON names no field: param is null, not missing', async () => {
    const res = await fetch(`${srv.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { ...srv.auth, 'content-type': 'application/json' },
      body: '{"model":',
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: { message: expect.stringMatching(/not valid JSON/), type: 'invalid_request_error', param: null, code: 'invalid_request' },
    });
  });
});

describe('OpenAI error shape: other statuses carry param and code too', () => {
  it('401 a bad token: param null, code authentication', async () => {
    const e = await refusal(client('not-the-token').chat.completions.create({ model: 'auto', messages: user }));
    expect(e).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(e.error).toEqual({ message: 'Invalid API token.', type: 'authentication_error', param: null, code: 'authentication' });
  });

  it('404 an unknown model: param "model", code model_not_found', async () => {
    const e = await refusal(client().models.retrieve('gpt-9'));
    expect(e).toBeInstanceOf(OpenAI.NotFoundError);
    expect(e.param).toBe('model');
    expect(e.code).toBe('model_not_found');
  });

  it('404 a path nobody serves under /v1: OpenAI shape with param null, code not_found', async () => {
    const e = await refusal(client().get('/no-such-endpoint'));
    expect(e).toBeInstanceOf(OpenAI.NotFoundError);
    expect(e.error).toEqual({
      message: expect.stringMatching(/^No route GET \/v1\/no-such-endpoint/),
      type: 'invalid_request_error',
      param: null,
      code: 'not_found',
    });
    // Anthropic's routes under /v1 keep Anthropic's shape.
    const res = await fetch(`${srv.url}/v1/messages/nope`, { headers: srv.auth });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ type: 'error', error: { type: 'not_found_error' } });
  });

  it('429 an app key over its rate limit: param null, code rate_limited', async () => {
    const res = await fetch(`${srv.url}/api/v1/keys`, {
      method: 'POST',
      headers: { ...srv.auth, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'limited', rate_limit_per_min: 1 }),
    });
    expect(res.status).toBe(201);
    const { key } = (await res.json()) as { key: string };
    await client(key).models.list();
    const e = await refusal(client(key).models.list());
    expect(e).toBeInstanceOf(OpenAI.RateLimitError);
    expect(e.error).toMatchObject({ type: 'rate_limit_error', param: null, code: 'rate_limited' });
  });

  it('503 a cloud model with no key set: param null, code no_model_available', async () => {
    const e = await refusal(client().chat.completions.create({ model: 'claude-sonnet', messages: user }));
    expect(e.status).toBe(503);
    expect(e.error).toMatchObject({ type: 'api_error', param: null, code: 'no_model_available' });
  });
});
