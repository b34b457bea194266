// The official `openai` client's Responses API (`client.responses.*`) against a real gateway: llama.cpp on a generated
// GGUF and the Claude stand-in; stored responses with previous_response_id, function tools, the official event order.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTinyGguf } from '../fixtures/make-tiny-gguf.js';
import { startAnthropicStandIn, type AnthropicStandIn } from '../stand-ins/anthropic-server.js';
import { startTestServer, TOKEN, type TestServer } from './helpers.js';

const CLAUDE_KEY = 'sk-ant-api03-responses-secret-key';
let claude: AnthropicStandIn;
let srv: TestServer;
let ggufDir: string;

beforeAll(async () => {
  ggufDir = mkdtempSync(path.join(os.tmpdir(), 'hai-responses-'));
  const gguf = await makeTinyGguf(path.join(ggufDir, 'tiny.gguf'));
  claude = await startAnthropicStandIn({ apiKey: CLAUDE_KEY, deltaDelayMs: 1 });
  srv = await startTestServer({
    env: { HYBRID_AI_LOCAL_MODEL: gguf.path, ANTHROPIC_API_KEY: CLAUDE_KEY, ANTHROPIC_BASE_URL: claude.url, HYBRID_AI_THREADS: '1' },
    args: ['--tier', '2', '--history'],
  });
}, 60_000);
afterAll(async () => {
  await srv?.close();
  await claude?.close();
  rmSync(ggufDir, { recursive: true, force: true });
});

const client = (apiKey = TOKEN) => new OpenAI({ baseURL: `${srv.url}/v1`, apiKey, maxRetries: 0 });
const weather: OpenAI.Responses.FunctionTool = {
  type: 'function',
  name: 'get_weather',
  description: 'Weather in a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
  strict: true,
};
const lastClaudeBody = () => claude.requests.at(-1)!.body as { system?: string; messages: Array<{ role: string; content: unknown }> };

describe('responses.create over llama.cpp', () => {
  it('a string input: a completed response with text, usage, the model that answered and x-hybrid headers', async () => {
    const { data: r, response } = await client()
      .responses.create({ model: 'auto', input: 'hi', max_output_tokens: 8, temperature: 0 })
      .withResponse();
    expect(r).toMatchObject({ object: 'response', model: 'tiny', error: null, store: true });
    expect(r.id).toMatch(/^resp_/);
    expect(['completed', 'incomplete']).toContain(r.status);
    expect(r.output[0]).toMatchObject({ type: 'message', role: 'assistant' });
    expect(r.output_text.length).toBeGreaterThan(0);
    expect(r.usage!.output_tokens).toBeGreaterThan(0);
    expect(r.usage!.output_tokens).toBeLessThanOrEqual(8);
    expect(r.usage!.total_tokens).toBe(r.usage!.input_tokens + r.usage!.output_tokens);
    expect(response.headers.get('x-hybrid-route')).toBe('small');
    expect(response.headers.get('x-hybrid-engine')).toBe('llamacpp');
    expect(response.headers.get('x-hybrid-cost-usd')).toBe('0.000000');
    expect(response.headers.get('x-hybrid-reasons')).toMatch(/complexity/);
    expect(srv.core.ledger.recent(1)[0]).toMatchObject({ protocol: 'openai-responses', engine: 'llamacpp', status: 'ok' });
    // The first local answer loads the model: slow on a busy machine.
  }, 120_000);

  it('streams the official events in order; the text is the concatenation of the deltas', async () => {
    const stream = await client().responses.create({ model: 'auto', input: 'hi', max_output_tokens: 6, temperature: 0, stream: true });
    const types: string[] = [];
    let deltas = '';
    let final: OpenAI.Responses.Response | undefined;
    const seqs: number[] = [];
    for await (const ev of stream) {
      types.push(ev.type);
      seqs.push(ev.sequence_number);
      if (ev.type === 'response.output_text.delta') deltas += ev.delta;
      if (ev.type === 'response.completed' || ev.type === 'response.incomplete') final = ev.response;
    }
    // Collapse runs of deltas: the order of the rest is the official one.
    const shape = types.filter((t, i) => !(t === 'response.output_text.delta' && types[i - 1] === t));
    expect(shape).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      final!.status === 'incomplete' ? 'response.incomplete' : 'response.completed',
    ]);
    expect(seqs).toEqual(seqs.map((_, i) => i));
    expect(deltas.length).toBeGreaterThan(0);
    expect(final!.output_text ?? (final!.output[0] as OpenAI.Responses.ResponseOutputMessage).content[0]).toBeTruthy();
    const msg = final!.output[0] as OpenAI.Responses.ResponseOutputMessage;
    expect((msg.content[0] as OpenAI.Responses.ResponseOutputText).text).toBe(deltas);
    expect(final!.usage!.output_tokens).toBeGreaterThan(0);
  });

  it('responses.stream(): the SDK helper accumulates the same answer', async () => {
    const s = client().responses.stream({ model: 'auto', input: 'hello there', max_output_tokens: 6, temperature: 0 });
    let deltas = '';
    s.on('response.output_text.delta', (e) => (deltas += e.delta));
    const final = await s.finalResponse();
    expect(final.output_text).toBe(deltas);
    expect(final.output_text.length).toBeGreaterThan(0);
  });
});

describe('responses on Claude (stand-in): instructions, input items, tools, stored responses', () => {
  it('instructions become the system prompt; message items keep their turns', async () => {
    const r = await client().responses.create({
      model: 'claude-sonnet',
      instructions: 'Be brief.',
      max_output_tokens: 20,
      input: [
        { role: 'user', content: 'first question' },
        { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'first answer', annotations: [] }] },
        { role: 'developer', content: 'no emojis' },
        { role: 'user', content: [{ type: 'input_text', text: 'second question' }] },
      ] as OpenAI.Responses.ResponseInput,
    });
    expect(r.output_text).toMatch(/^Stand-in Claude heard: second question/);
    const body = lastClaudeBody();
    expect(body.system).toBe('Be brief.\n\nno emojis');
    expect(body.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
  });

  it('function tools round trip: a function_call item, then its output with previous_response_id', async () => {
    const first = await client().responses.create({ model: 'auto', input: 'What is the weather in Paris?', tools: [weather] });
    expect(first.model).toBe('claude-sonnet');
    const call = first.output.find((o): o is OpenAI.Responses.ResponseFunctionToolCall => o.type === 'function_call')!;
    expect(call).toMatchObject({ type: 'function_call', name: 'get_weather', status: 'completed' });
    expect(JSON.parse(call.arguments)).toEqual({ city: 'Paris' });
    expect(first.status).toBe('completed');
    const second = await client().responses.create({
      model: 'auto',
      previous_response_id: first.id,
      tools: [weather],
      input: [{ type: 'function_call_output', call_id: call.call_id, output: '{"temp_c": 21}' }],
    });
    expect(second.previous_response_id).toBe(first.id);
    expect(second.output_text).toMatch(/^Stand-in Claude heard/);
    // Claude saw the whole conversation: the question, its own tool call, and the result.
    const body = lastClaudeBody();
    expect(body.messages).toEqual([
      { role: 'user', content: 'What is the weather in Paris?' },
      { role: 'assistant', content: [{ type: 'tool_use', id: call.call_id, name: 'get_weather', input: { city: 'Paris' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: call.call_id, content: '{"temp_c": 21}' }] },
    ]);
  });

  it('a streamed function call: output_item.added, arguments delta and done, output_item.done, completed', async () => {
    const stream = await client().responses.create({ model: 'auto', input: 'weather in Paris?', tools: [weather], stream: true });
    const events: OpenAI.Responses.ResponseStreamEvent[] = [];
    for await (const ev of stream) events.push(ev);
    expect(events.map((e) => e.type)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.done',
      'response.output_item.done',
      'response.completed',
    ]);
    const done = events.find((e) => e.type === 'response.function_call_arguments.done')!;
    expect(done).toMatchObject({ name: 'get_weather', arguments: '{"city":"Paris"}' });
  });

  it('previous_response_id continues a stored response; GET returns it; DELETE removes it (then 404)', async () => {
    const first = await client().responses.create({
      model: 'claude-sonnet',
      instructions: 'Old rules.',
      input: 'alpha beta',
      max_output_tokens: 5,
    });
    const again = await client().responses.retrieve(first.id);
    expect(again).toMatchObject({ id: first.id, status: first.status, output: first.output, usage: first.usage });
    const second = await client().responses.create({ model: 'claude-sonnet', previous_response_id: first.id, input: 'gamma' });
    expect(second.output_text).toMatch(/^Stand-in Claude heard: gamma/);
    const body = lastClaudeBody();
    // The earlier instructions are not carried over (as OpenAI does); the earlier turns are.
    expect(body.system).toBeUndefined();
    expect(body.messages).toEqual([
      { role: 'user', content: 'alpha beta' },
      { role: 'assistant', content: first.output_text },
      { role: 'user', content: 'gamma' },
    ]);
    await client().responses.delete(first.id);
    const gone = await client()
      .responses.retrieve(first.id)
      .catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(OpenAI.NotFoundError);
    expect((gone as InstanceType<typeof OpenAI.NotFoundError>).error).toMatchObject({
      message: `Response with id '${first.id}' not found.`,
      type: 'invalid_request_error',
      param: 'response_id',
    });
  });

  it("an item_reference to an earlier answer (the AI SDK's default provider sends its earlier answers so) reads the stored item", async () => {
    const first = await client().responses.create({ model: 'claude-sonnet', input: 'alpha beta', max_output_tokens: 5 });
    const answer = first.output[0] as OpenAI.Responses.ResponseOutputMessage;
    // The AI SDK's request for the next turn, as it sends it: the earlier answer by id only.
    const second = await client().responses.create({
      model: 'claude-sonnet',
      input: [
        { role: 'user', content: [{ type: 'input_text', text: 'alpha beta' }] },
        { type: 'item_reference', id: answer.id },
        { role: 'user', content: [{ type: 'input_text', text: 'gamma' }] },
      ],
    });
    expect(second.output_text).toMatch(/^Stand-in Claude heard: gamma/);
    expect(lastClaudeBody().messages).toEqual([
      { role: 'user', content: 'alpha beta' },
      { role: 'assistant', content: first.output_text },
      { role: 'user', content: 'gamma' },
    ]);
    // The stored input of the second response holds the item itself, not the reference.
    const items = await client().responses.inputItems.list(second.id, { order: 'asc' });
    expect(items.data.map((i) => i.type)).toEqual(['message', 'message', 'message']);
  });

  it('store: false keeps nothing; an unknown previous_response_id is a 404 naming it', async () => {
    const r = await client().responses.create({ model: 'claude-sonnet', input: 'x y', store: false, max_output_tokens: 3 });
    expect((r as unknown as { store: boolean }).store).toBe(false);
    await expect(client().responses.retrieve(r.id)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    const e = await client()
      .responses.create({ model: 'auto', input: 'hi', previous_response_id: 'resp_nope' })
      .catch((err: unknown) => err);
    expect(e).toBeInstanceOf(OpenAI.NotFoundError);
    expect((e as InstanceType<typeof OpenAI.NotFoundError>).error).toMatchObject({ param: 'previous_response_id' });
  });
});

describe('stored responses belong to the key that made them', () => {
  const newKey = async (name: string): Promise<string> => {
    const r = await fetch(`${srv.url}/api/v1/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name }),
    });
    expect(r.status).toBe(201);
    return ((await r.json()) as { key: string }).key;
  };
  const create = (key: string, extra: Partial<OpenAI.Responses.ResponseCreateParamsNonStreaming> = {}) =>
    client(key).responses.create({ model: 'claude-sonnet', input: 'owned words', max_output_tokens: 3, ...extra });
  const notFound = async (p: Promise<unknown>, param: string) => {
    const e = await p.catch((err: unknown) => err);
    expect(e).toBeInstanceOf(OpenAI.NotFoundError);
    expect((e as InstanceType<typeof OpenAI.NotFoundError>).error).toMatchObject({ param });
  };

  it("an app key cannot read, list, chain to or delete another key's response, nor the main token's; each sees its own", async () => {
    const a = await newKey('app A');
    const b = await newKey('app B');
    const ra = await create(a);
    const rm = await create(TOKEN);
    // Its own: read, list its input, chain.
    expect((await client(a).responses.retrieve(ra.id)).id).toBe(ra.id);
    expect((await client(a).responses.inputItems.list(ra.id)).data).toHaveLength(1);
    expect((await create(a, { previous_response_id: ra.id })).previous_response_id).toBe(ra.id);
    expect((await client(TOKEN).responses.retrieve(rm.id)).id).toBe(rm.id);
    // Another's: as if it did not exist.
    for (const [key, id] of [
      [b, ra.id],
      [TOKEN, ra.id],
      [a, rm.id],
    ] as const) {
      await notFound(client(key).responses.retrieve(id), 'response_id');
      await notFound(client(key).responses.inputItems.list(id), 'response_id');
      await notFound(client(key).responses.delete(id), 'response_id');
      await notFound(create(key, { previous_response_id: id }), 'previous_response_id');
    }
    // Nothing was deleted by the refused calls.
    expect((await client(a).responses.retrieve(ra.id)).id).toBe(ra.id);
    expect((await client(TOKEN).responses.retrieve(rm.id)).id).toBe(rm.id);
    await client(a).responses.delete(ra.id);
    await notFound(client(a).responses.retrieve(ra.id), 'response_id');
  });
});

describe('responses: errors in OpenAI shape', () => {
  it('history off: readable responses are hidden (404) and new ones are kept sealed; on again, both are found', async () => {
    const first = await client().responses.create({ model: 'claude-sonnet', input: 'keep me', max_output_tokens: 3 });
    const put = (on: boolean) =>
      fetch(`${srv.url}/api/v1/settings`, {
        method: 'PUT',
        headers: { ...srv.auth, 'content-type': 'application/json' },
        body: JSON.stringify({ history_enabled: on }),
      });
    expect((await put(false)).status).toBe(200);
    let sealed: OpenAI.Responses.Response | undefined;
    try {
      // Kept sealed (responses-sealed.test.ts): its id carries the key, and the response says it is stored.
      sealed = await client().responses.create({ model: 'claude-sonnet', input: 'kept sealed', max_output_tokens: 3 });
      expect((sealed as unknown as { store: boolean }).store).toBe(true);
      expect(sealed.id).toMatch(/^resp_[0-9a-f]{48}$/);
      // A response kept readable before is not found while history is off, by id or by item.
      const e = await client()
        .responses.create({ model: 'auto', input: 'hi', previous_response_id: first.id })
        .catch((err: unknown) => err);
      expect(e).toBeInstanceOf(OpenAI.NotFoundError);
      expect((e as InstanceType<typeof OpenAI.NotFoundError>).error).toMatchObject({
        type: 'invalid_request_error',
        param: 'previous_response_id',
        message: `Response with id '${first.id}' not found.`,
      });
      const ref = await client()
        .responses.create({ model: 'auto', input: [{ type: 'item_reference', id: first.output[0]!.id! }] })
        .catch((err: unknown) => err);
      expect(ref).toBeInstanceOf(OpenAI.NotFoundError);
      expect((ref as InstanceType<typeof OpenAI.NotFoundError>).error).toMatchObject({ param: 'input[0].id' });
      expect((await client().responses.retrieve(sealed.id)).id).toBe(sealed.id);
    } finally {
      await put(true);
    }
    expect((await client().responses.retrieve(sealed!.id)).id).toBe(sealed!.id);
    expect((await client().responses.retrieve(first.id)).id).toBe(first.id);
  });

  it('unsupported tools and input items are 400s naming them; a bad key is a 401', async () => {
    const e1 = await client()
      .responses.create({ model: 'auto', input: 'hi', tools: [{ type: 'web_search' }] })
      .catch((err: unknown) => err);
    expect(e1).toBeInstanceOf(OpenAI.BadRequestError);
    expect((e1 as Error).message).toMatch(/tools\[0\]\.type.*web_search.*valid: function/);
    const e2 = await client()
      .responses.create({ model: 'auto', input: [{ type: 'file_search_call', id: 'fs_1' } as never] })
      .catch((err: unknown) => err);
    expect((e2 as Error).message).toMatch(/input\[0\]\.type.*file_search_call.*valid: .*item_reference/);
    const e3 = await client()
      .responses.create({ model: 'auto', input: [{ type: 'item_reference', id: 'msg_1' }] })
      .catch((err: unknown) => err);
    expect(e3).toBeInstanceOf(OpenAI.NotFoundError);
    expect((e3 as InstanceType<typeof OpenAI.NotFoundError>).error).toMatchObject({
      message: "Item with id 'msg_1' not found.",
      param: 'input[0].id',
    });
    await expect(client('wrong-key').responses.create({ model: 'auto', input: 'hi' })).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
  });
});
