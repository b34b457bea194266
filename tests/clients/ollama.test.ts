// Client matrix: the official `ollama` npm client, and the Ollama CLI's own requests (the Go client's headers and
// bodies, replayed over HTTP: the binary cannot be installed here) with the tokenless loopback opt-in on.
import http from 'node:http';
import { Ollama, type Message } from 'ollama';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BAD_KEY,
  claudeGotToolResult,
  CITY_SCHEMA,
  expectCity,
  MAX_TOKENS,
  startClientGateway,
  TOKEN,
  TOOL_MODEL,
  UNKNOWN_MODEL,
  WEATHER_TOOL,
  type ClientGateway,
} from './gateway.js';

let gw: ClientGateway;
beforeAll(async () => {
  gw = await startClientGateway();
}, 60_000);
afterAll(async () => gw?.close());

const client = (key = TOKEN) => new Ollama({ host: gw.url, headers: { Authorization: `Bearer ${key}` } });
const options = { num_predict: MAX_TOKENS, temperature: 0 };

describe('ollama (ollama-js)', () => {
  it('list models', async () => {
    const names = (await client().list()).models.map((m) => m.name);
    // The HYBRID_AI_LOCAL_MODEL file (tiny.gguf) is listed as itself, not as the catalog models it answers for.
    expect(names).toEqual(expect.arrayContaining(['auto:latest', 'tiny:latest', 'claude-sonnet:latest']));
    expect(names).not.toContain('tinyllama:latest');
  });

  it('chat', async () => {
    const r = await client().chat({ model: 'auto', messages: [{ role: 'user', content: 'hi' }], options });
    expect(r.message.content.length).toBeGreaterThan(0);
    expect(r.done).toBe(true);
  });

  it('stream: the final text is the concatenation of the chunks', async () => {
    const stream = await client().chat({ model: 'auto', stream: true, messages: [{ role: 'user', content: 'hi' }], options });
    const parts = [];
    for await (const c of stream) parts.push(c);
    const joined = parts.map((c) => c.message.content).join('');
    expect(joined.length).toBeGreaterThan(0);
    expect(parts.at(-1)).toMatchObject({ done: true });
    expect(parts.at(-1)!.eval_count).toBeGreaterThan(0);
  });

  it('system + multi-turn', async () => {
    const r = await client().chat({
      model: 'tinyllama',
      options,
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: 'Hello.' },
        { role: 'user', content: 'again' },
      ],
    });
    expect(r.message.content.length).toBeGreaterThan(0);
  });

  it('tools round trip', async () => {
    const tools = [{ type: 'function', function: WEATHER_TOOL }];
    const messages: Message[] = [{ role: 'user', content: 'Weather in Paris?' }];
    const first = await client().chat({ model: TOOL_MODEL, messages, tools });
    const call = first.message.tool_calls![0]!;
    expect(call.function.name).toBe('get_weather');
    expect(call.function.arguments).toHaveProperty('city');
    messages.push(first.message, { role: 'tool', content: '18 °C, sunny', tool_name: 'get_weather' });
    const second = await client().chat({ model: TOOL_MODEL, messages, tools });
    expect(second.message.content.length).toBeGreaterThan(0);
    expect(claudeGotToolResult(gw)).toBe(true);
  });

  it('structured output (format: a JSON schema) parses and validates', async () => {
    const r = await client().chat({
      model: TOOL_MODEL,
      messages: [{ role: 'user', content: 'Describe Paris.' }],
      format: { ...CITY_SCHEMA },
    });
    expectCity(r.message.content);
  });

  it('embeddings', async () => {
    const r = await client().embed({ model: 'auto', input: ['hello', 'world'] });
    expect(r.embeddings).toHaveLength(2);
    expect(r.embeddings[0]!.length).toBeGreaterThan(0);
  });

  it('unknown model and bad key errors', async () => {
    const nf = await client()
      .chat({ model: UNKNOWN_MODEL, messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e);
    expect(nf).toMatchObject({ status_code: 404, error: expect.stringContaining(`model '${UNKNOWN_MODEL}' not found`) });
    const auth = await client(BAD_KEY)
      .list()
      .catch((e: unknown) => e);
    expect(auth).toMatchObject({ status_code: 401, error: 'Invalid API token.' });
  });
});

/** The headers Ollama's Go client (api/client.go) sends: no token, its own User-Agent. */
const GO_HEADERS = { 'content-type': 'application/json', 'user-agent': 'ollama/0.12.6 (amd64 linux) Go/go1.24.4' };

/** One request as the Ollama CLI makes it (no Authorization header); NDJSON answers split into lines. */
function cli(
  method: string,
  path: string,
  body?: unknown,
  accept = 'application/json',
): Promise<{ status: number; lines: Array<Record<string, any>>; text: string }> {
  const data = body === undefined ? undefined : JSON.stringify(body);
  const headers: Record<string, string> = { ...GO_HEADERS, accept, ...(data ? { 'content-length': String(Buffer.byteLength(data)) } : {}) };
  return new Promise((resolve, reject) => {
    const req = http.request(`${gw.url}${path}`, { method, headers }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () =>
        resolve({
          status: res.statusCode!,
          text,
          lines: text
            .split('\n')
            .filter((l) => l.trim() !== '')
            .map((l) => JSON.parse(l) as Record<string, any>),
        }),
      );
    });
    req.on('error', reject);
    if (data) req.write(data);
    req.end();
  });
}

describe('Ollama CLI (its requests replayed, tokenless loopback opt-in on)', () => {
  beforeAll(async () => {
    await gw.srv.core.settings.setSetting('api.ollamaLoopbackWithoutToken', true);
  });
  afterAll(async () => {
    await gw.srv.core.settings.setSetting('api.ollamaLoopbackWithoutToken', false);
  });

  it('`ollama list` and `ollama ps`: HEAD / heartbeat, GET /api/tags, GET /api/ps', async () => {
    expect((await cli('HEAD', '/')).status).toBe(200);
    const tags = await cli('GET', '/api/tags');
    expect(tags.status).toBe(200);
    expect(tags.lines[0]!.models.map((m: { name: string }) => m.name)).toContain('auto:latest');
    const ps = await cli('GET', '/api/ps');
    expect(ps.status).toBe(200);
    expect(Array.isArray(ps.lines[0]!.models)).toBe(true);
  });

  it('`ollama run auto` (interactive): show, preload, then a streamed chat; `ollama ps` lists the loaded model', async () => {
    const show = await cli('POST', '/api/show', { model: 'auto' });
    expect(show.status).toBe(200);
    // Only 'completion' (no 'embedding'), or the CLI would compute vectors instead of chatting.
    expect(show.lines[0]!.capabilities).toEqual(['completion', 'tools']);
    const preload = await cli('POST', '/api/generate', { model: 'auto' }, 'application/x-ndjson');
    expect(preload.lines).toEqual([expect.objectContaining({ model: 'auto', response: '', done: true, done_reason: 'load' })]);
    const chat = await cli(
      'POST',
      '/api/chat',
      { model: 'auto', messages: [{ role: 'user', content: 'hi' }], options: { num_predict: MAX_TOKENS } },
      'application/x-ndjson',
    );
    expect(chat.status).toBe(200);
    expect(chat.lines.at(-1)).toMatchObject({ done: true, done_reason: expect.stringMatching(/^(stop|length)$/) });
    expect(chat.lines.map((l) => l.message.content).join('').length).toBeGreaterThan(0);
    // The embedded engine now holds the GGUF: /api/ps names the file HYBRID_AI_LOCAL_MODEL serves.
    const ps = await cli('GET', '/api/ps');
    expect(ps.lines[0]!.models).toEqual([expect.objectContaining({ name: 'tiny:latest', size: expect.any(Number), size_vram: 0 })]);
  });

  it('`ollama run auto "hi"` (a prompt argument): /api/generate streams the answer', async () => {
    const r = await cli(
      'POST',
      '/api/generate',
      { model: 'auto', prompt: 'hi', options: { num_predict: MAX_TOKENS } },
      'application/x-ndjson',
    );
    expect(r.status).toBe(200);
    expect(r.lines.map((l) => l.response).join('').length).toBeGreaterThan(0);
    expect(r.lines.at(-1)).toMatchObject({ done: true });
  });

  it('`ollama stop auto` unloads; `ollama run` of an unknown model gets the 404 that makes it offer a pull', async () => {
    const stop = await cli('POST', '/api/generate', { model: 'auto', keep_alive: 0 }, 'application/x-ndjson');
    expect(stop.lines[0]).toMatchObject({ done: true, done_reason: 'unload' });
    const show = await cli('POST', '/api/show', { model: UNKNOWN_MODEL });
    expect(show.status).toBe(404);
    expect(show.lines[0]).toEqual({ error: expect.stringContaining(`model '${UNKNOWN_MODEL}' not found`) });
    const pull = await cli('POST', '/api/pull', { model: UNKNOWN_MODEL }, 'application/x-ndjson');
    expect(pull.status).toBe(404);
    expect(typeof pull.lines[0]!.error).toBe('string');
  });

  it('without the opt-in, the CLI gets a 401 with a message it can print', async () => {
    await gw.srv.core.settings.setSetting('api.ollamaLoopbackWithoutToken', false);
    try {
      const r = await cli('GET', '/api/tags');
      expect(r.status).toBe(401);
      expect(r.lines[0]).toEqual({ error: expect.stringMatching(/Missing API token/) });
    } finally {
      await gw.srv.core.settings.setSetting('api.ollamaLoopbackWithoutToken', true);
    }
  });
});
