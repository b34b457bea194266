// Client matrix: the official `openai` client (Chat Completions and the Responses API) against the real gateway.
import OpenAI from 'openai';
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

const client = (apiKey = TOKEN) => new OpenAI({ baseURL: `${gw.url}/v1`, apiKey, maxRetries: 0 });
const fn = { type: 'function' as const, function: WEATHER_TOOL };

describe('openai: chat completions', () => {
  it('list models', async () => {
    const ids: string[] = [];
    for await (const m of client().models.list()) ids.push(m.id);
    // The HYBRID_AI_LOCAL_MODEL file (tiny.gguf) is listed as itself; the catalog names it answers for still exist.
    expect(ids).toEqual(expect.arrayContaining(['auto', 'tiny', 'claude-sonnet']));
    expect(ids).not.toContain('tinyllama');
    expect((await client().models.retrieve('tinyllama')).id).toBe('tinyllama');
  });

  it('chat', async () => {
    const c = await client().chat.completions.create({
      model: 'auto',
      max_tokens: MAX_TOKENS,
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(c.choices[0]!.message.content!.length).toBeGreaterThan(0);
    expect(c.usage!.completion_tokens).toBeGreaterThan(0);
  });

  it('stream: the final text is the concatenation of the deltas', async () => {
    const stream = client().chat.completions.stream({ model: 'auto', max_tokens: MAX_TOKENS, messages: [{ role: 'user', content: 'hi' }] });
    let joined = '';
    stream.on('content', (d) => (joined += d));
    const final = await stream.finalChatCompletion();
    expect(joined.length).toBeGreaterThan(0);
    expect(final.choices[0]!.message.content).toBe(joined);
  });

  it('system + multi-turn', async () => {
    const c = await client().chat.completions.create({
      model: 'tinyllama',
      max_tokens: MAX_TOKENS,
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: 'Hello.' },
        { role: 'user', content: 'again' },
      ],
    });
    expect(c.choices[0]!.message.role).toBe('assistant');
    expect(gw.srv.core.ledger.recent(1)[0]).toMatchObject({ protocol: 'openai', status: 'ok' });
  });

  it('tools round trip', async () => {
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Weather in Paris?' }];
    const first = await client().chat.completions.create({ model: TOOL_MODEL, messages, tools: [fn] });
    const call = first.choices[0]!.message.tool_calls![0]! as OpenAI.ChatCompletionMessageFunctionToolCall;
    expect(first.choices[0]!.finish_reason).toBe('tool_calls');
    expect(call.function.name).toBe('get_weather');
    expect(JSON.parse(call.function.arguments)).toHaveProperty('city');
    messages.push(first.choices[0]!.message, { role: 'tool', tool_call_id: call.id, content: '18 °C, sunny' });
    const second = await client().chat.completions.create({ model: TOOL_MODEL, messages, tools: [fn] });
    expect(second.choices[0]!.finish_reason).toBe('stop');
    expect(second.choices[0]!.message.content!.length).toBeGreaterThan(0);
    expect(claudeGotToolResult(gw)).toBe(true);
  });

  it('structured output (json_schema) parses and validates', async () => {
    const c = await client().chat.completions.create({
      model: TOOL_MODEL,
      messages: [{ role: 'user', content: 'Describe Paris.' }],
      response_format: { type: 'json_schema', json_schema: { name: 'city', schema: CITY_SCHEMA, strict: true } },
    });
    expectCity(c.choices[0]!.message.content);
  });

  it('embeddings', async () => {
    const e = await client().embeddings.create({ model: 'auto', input: ['hello', 'world'], encoding_format: 'float' });
    expect(e.data).toHaveLength(2);
    expect(e.data[0]!.embedding.length).toBeGreaterThan(0);
  });

  it('unknown model and bad key errors', async () => {
    const nf = await client()
      .chat.completions.create({ model: UNKNOWN_MODEL, messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e);
    expect(nf).toBeInstanceOf(OpenAI.NotFoundError);
    expect((nf as Error).message).toContain(UNKNOWN_MODEL);
    const auth = await client(BAD_KEY)
      .chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e);
    expect(auth).toBeInstanceOf(OpenAI.AuthenticationError);
  });
});

describe('openai: responses', () => {
  it('chat (instructions + input)', async () => {
    const r = await client().responses.create({ model: 'auto', instructions: 'Be brief.', input: 'hi', max_output_tokens: MAX_TOKENS });
    // Eight tokens rarely finish a sentence: cut by the cap, the response says so as OpenAI does.
    if (r.status === 'incomplete') expect(r.incomplete_details?.reason).toBe('max_output_tokens');
    else expect(r.status).toBe('completed');
    expect(r.output_text.length).toBeGreaterThan(0);
  });

  it('stream: the final text is the concatenation of the deltas', async () => {
    const stream = client().responses.stream({ model: 'auto', input: 'hi', max_output_tokens: MAX_TOKENS });
    let joined = '';
    for await (const ev of stream) if (ev.type === 'response.output_text.delta') joined += ev.delta;
    const final = await stream.finalResponse();
    expect(joined.length).toBeGreaterThan(0);
    expect(final.output_text).toBe(joined);
  });

  it('system + multi-turn (input items)', async () => {
    const r = await client().responses.create({
      model: 'tinyllama',
      max_output_tokens: MAX_TOKENS,
      input: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: 'Hello.' },
        { role: 'user', content: 'again' },
      ],
    });
    expect(r.output_text.length).toBeGreaterThan(0);
  });

  it('tools round trip', async () => {
    const tools: OpenAI.Responses.Tool[] = [
      {
        type: 'function',
        name: WEATHER_TOOL.name,
        description: WEATHER_TOOL.description,
        parameters: { ...WEATHER_TOOL.parameters },
        strict: true,
      },
    ];
    const first = await client().responses.create({ model: TOOL_MODEL, input: 'Weather in Paris?', tools });
    const call = first.output.find((o) => o.type === 'function_call')!;
    expect(call).toMatchObject({ type: 'function_call', name: 'get_weather' });
    const second = await client().responses.create({
      model: TOOL_MODEL,
      tools,
      input: [
        { role: 'user', content: 'Weather in Paris?' },
        call,
        { type: 'function_call_output', call_id: call.call_id, output: '18 °C, sunny' },
      ],
    });
    expect(second.output_text.length).toBeGreaterThan(0);
    expect(claudeGotToolResult(gw)).toBe(true);
  });

  it('structured output (text.format json_schema) parses and validates', async () => {
    const r = await client().responses.create({
      model: TOOL_MODEL,
      input: 'Describe Paris.',
      text: { format: { type: 'json_schema', name: 'city', schema: { ...CITY_SCHEMA }, strict: true } },
    });
    expectCity(r.output_text);
  });

  it('input items of a stored response (responses.inputItems.list), newest first, paged by the SDK', async () => {
    const put = (on: boolean) =>
      fetch(`${gw.url}/api/v1/settings`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ history_enabled: on }),
      });
    expect((await put(true)).status).toBe(200);
    try {
      const r = await client().responses.create({
        model: 'tinyllama',
        max_output_tokens: MAX_TOKENS,
        instructions: 'Be brief.',
        input: [
          { role: 'user', content: 'hi' },
          { role: 'assistant', content: 'Hello.' },
          { role: 'user', content: 'again' },
        ],
      });
      const page = await client().responses.inputItems.list(r.id);
      expect(page.data.map((i) => i.type === 'message' && i.role)).toEqual(['user', 'assistant', 'user']);
      const first = page.data[0] as OpenAI.Responses.ResponseInputMessageItem;
      expect(first.content).toEqual([{ type: 'input_text', text: 'again' }]);
      expect(first.id).toMatch(/^msg_/);
      const asc: string[] = [];
      for await (const item of client().responses.inputItems.list(r.id, { order: 'asc', limit: 1 })) {
        asc.push((item as OpenAI.Responses.ResponseInputMessageItem).id);
      }
      expect(asc).toEqual(page.data.map((i) => (i as { id: string }).id).reverse());
      const missing = await client()
        .responses.inputItems.list('resp_nope')
        .catch((e: unknown) => e);
      expect(missing).toBeInstanceOf(OpenAI.NotFoundError);
    } finally {
      await put(false);
    }
  });

  it('unknown model and bad key errors', async () => {
    const nf = await client()
      .responses.create({ model: UNKNOWN_MODEL, input: 'hi' })
      .catch((e: unknown) => e);
    expect(nf).toBeInstanceOf(OpenAI.NotFoundError);
    const auth = await client(BAD_KEY)
      .responses.create({ model: 'auto', input: 'hi' })
      .catch((e: unknown) => e);
    expect(auth).toBeInstanceOf(OpenAI.AuthenticationError);
  });
});
