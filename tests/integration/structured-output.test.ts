// Structured output for real: OpenAI response_format / text.format and Ollama's format, answered by llama.cpp on a
// generated GGUF (a JSON-schema grammar: even random weights give schema-valid JSON) and by the Claude stand-in
// (a forced tool call). Every answer is parsed and validated against its schema.
import { Ollama } from 'ollama';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startRealGateway, type RealGateway } from '../fixtures/real-gateway.js';
import { TOKEN, type TestServer } from './helpers.js';

let gw: RealGateway;
let srv: TestServer;

beforeAll(async () => {
  gw = await startRealGateway({ claude: { deltaDelayMs: 1 } });
  srv = gw.srv;
}, 60_000);
afterAll(async () => gw?.close());

const openai = () => new OpenAI({ baseURL: `${srv.url}/v1`, apiKey: TOKEN, maxRetries: 0 });
const ollama = () => new Ollama({ host: srv.url, headers: { Authorization: `Bearer ${TOKEN}` } });

/** Bounded everywhere (enums, booleans, short strings, few items), so even a random model finishes the JSON. */
const city = {
  type: 'object',
  properties: {
    name: { type: 'string', maxLength: 8 },
    size: { type: 'string', enum: ['small', 'medium', 'large'] },
    capital: { type: 'boolean' },
    rivers: { type: 'array', items: { type: 'string', maxLength: 5 }, maxItems: 2 },
    founded: { anyOf: [{ type: 'string', format: 'date' }, { type: 'null' }] },
  },
  required: ['name', 'size', 'capital', 'rivers', 'founded'],
  additionalProperties: false,
} as const;

/** Parse `text` as JSON and validate it against `schema` (zod builds the validator from the JSON schema itself). */
function validAgainst(schema: object, text: string): unknown {
  const value: unknown = JSON.parse(text);
  const r = z.fromJSONSchema(schema as never).safeParse(value);
  expect(r.success, `${text} does not match the schema: ${r.success ? '' : r.error.message}`).toBe(true);
  return value;
}

describe('llama.cpp: a JSON-schema grammar constrains the answer', () => {
  it('integers and numbers come back as finite JSON numbers (no unbounded exponent), over many samples', async () => {
    const counts = {
      type: 'object',
      properties: { population: { type: 'integer' }, area: { type: 'number' } },
      required: ['population', 'area'],
      additionalProperties: false,
    } as const;
    // Random weights pick digits and exponents freely: several samples at a high temperature exercise the grammar's
    // number rules, where one greedy answer might never reach an exponent.
    for (let i = 0; i < 6; i++) {
      const c = await openai().chat.completions.create({
        model: 'auto',
        max_tokens: 120,
        temperature: 1.5,
        seed: i + 1,
        messages: [{ role: 'user', content: `How many people live in city ${i}?` }],
        response_format: { type: 'json_schema', json_schema: { name: 'counts', schema: counts, strict: true } },
      });
      const text = c.choices[0]!.message.content!;
      // As written, not only as parsed: an integer with an exponent, or an exponent past two digits, is refused.
      expect(text).toMatch(/"population"\s*:\s*-?(?:0|[1-9]\d*)\s*[,}\s]/);
      expect(text).not.toMatch(/[eE][-+]?\d{3,}/);
      const v = validAgainst(counts, text) as { population: number; area: number };
      expect(Number.isSafeInteger(v.population), `population ${v.population}`).toBe(true);
      expect(Number.isFinite(v.area), `area ${v.area}`).toBe(true);
    }
  }, 180_000);

  it('chat.completions json_schema: the answer parses and validates; the reasons say why this engine', async () => {
    const { data: c, response } = await openai()
      .chat.completions.create({
        model: 'auto',
        max_tokens: 400,
        temperature: 0,
        messages: [{ role: 'user', content: 'Describe Paris.' }],
        response_format: { type: 'json_schema', json_schema: { name: 'city', schema: city, strict: true } },
      })
      .withResponse();
    // Every local route is the generated GGUF here (HYBRID_AI_LOCAL_MODEL): whichever the router picks, llama.cpp answers.
    expect(response.headers.get('x-hybrid-engine')).toBe('llamacpp');
    expect(c.choices[0]!.finish_reason).toBe('stop');
    const v = validAgainst(city, c.choices[0]!.message.content!) as { rivers: unknown[] };
    expect(Array.isArray(v.rivers)).toBe(true);
    const reasons = decodeURIComponent(response.headers.get('x-hybrid-reasons')!);
    expect(reasons).toMatch(
      /a JSON schema \("city"\) requested -> only engines that can enforce it \((?:[\w.-]+ on llamacpp, )+claude-sonnet\)/,
    );
  }, 120_000);

  it('json_object: any JSON object; streamed, the deltas join into it', async () => {
    const stream = await openai().chat.completions.create({
      model: 'tinyllama',
      max_tokens: 200,
      temperature: 0,
      stream: true,
      messages: [{ role: 'user', content: 'Give me JSON.' }],
      response_format: { type: 'json_object' },
    });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    const v: unknown = JSON.parse(text);
    expect(typeof v === 'object' && v !== null && !Array.isArray(v)).toBe(true);
  }, 60_000);

  it('the Responses API text.format json_schema', async () => {
    const r = await openai().responses.create({
      model: 'auto',
      input: 'Describe Rome.',
      max_output_tokens: 400,
      temperature: 0,
      text: { format: { type: 'json_schema', name: 'city', schema: city, strict: true } },
    });
    // The HYBRID_AI_LOCAL_MODEL file answers under its own name, whichever rung it served.
    expect(r.model).toBe('tiny');
    validAgainst(city, r.output_text);
    expect(r.text).toMatchObject({ format: { type: 'json_schema', name: 'city' } });
  }, 60_000);

  it('Ollama format: a schema on /api/chat, "json" on /api/generate', async () => {
    const chat = await ollama().chat({
      model: 'tinyllama',
      messages: [{ role: 'user', content: 'Describe Oslo.' }],
      format: city,
      options: { num_predict: 400, temperature: 0 },
    });
    validAgainst(city, chat.message.content);
    const gen = await ollama().generate({
      model: 'auto',
      prompt: 'JSON please',
      format: 'json',
      options: { num_predict: 200, temperature: 0 },
    });
    expect(typeof JSON.parse(gen.response ?? '')).toBe('object');
  }, 60_000);
});

describe('Claude: a forced tool call carries the answer', () => {
  it('json_schema: Claude is made to call the answer tool; the caller gets its input as the JSON text', async () => {
    const c = await openai().chat.completions.create({
      model: 'claude-sonnet',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'Describe Paris.' }],
      response_format: { type: 'json_schema', json_schema: { name: 'city', schema: city } },
    });
    expect(c.choices[0]!.finish_reason).toBe('stop');
    expect(c.choices[0]!.message.tool_calls).toBeUndefined();
    validAgainst(city, c.choices[0]!.message.content!);
    const sent = gw.claude.requests.at(-1)!.body as { tools: Array<{ name: string; input_schema: unknown }>; tool_choice: unknown };
    expect(sent.tool_choice).toEqual({ type: 'tool', name: 'json_answer' });
    expect(sent.tools.map((t) => t.name)).toEqual(['json_answer']);
  });

  it('a schema whose root is not an object is wrapped for the tool and unwrapped in the answer (streamed)', async () => {
    const list = { type: 'array', items: { type: 'string', enum: ['x', 'y'] }, minItems: 2 };
    const stream = await openai().chat.completions.create({
      model: 'claude-sonnet',
      max_tokens: 100,
      stream: true,
      messages: [{ role: 'user', content: 'Two letters.' }],
      response_format: { type: 'json_schema', json_schema: { name: 'letters', schema: list } },
    });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    expect(validAgainst(list, text)).toEqual(['x', 'x']);
  });
});

describe('schemas that cannot be enforced are refused up front', () => {
  it('a 400 in each protocol naming the place in the schema and the problem', async () => {
    const bad = { type: 'object', properties: { code: { type: 'string', pattern: '^[A-Z]{3}$' } } };
    const e = await openai()
      .chat.completions.create({
        model: 'auto',
        messages: [{ role: 'user', content: 'hi' }],
        response_format: { type: 'json_schema', json_schema: { name: 'x', schema: bad } },
      })
      .catch((err: unknown) => err);
    expect(e).toBeInstanceOf(OpenAI.BadRequestError);
    expect((e as Error).message).toMatch(
      /Invalid "response_format\.json_schema\.schema": the JSON schema cannot be enforced: at \.properties\.code, the keyword "pattern" is not supported/,
    );
    const r = await openai()
      .responses.create({ model: 'auto', input: 'hi', text: { format: { type: 'json_schema', name: 'x', schema: { allOf: [] } } } })
      .catch((err: unknown) => err);
    expect((r as Error).message).toMatch(/Invalid "text\.format\.schema".*"allOf" is not supported \(use oneOf\/anyOf/);
    const o = await ollama()
      .chat({ model: 'auto', messages: [{ role: 'user', content: 'hi' }], format: { type: 'string', format: 'email' } })
      .catch((err: unknown) => err);
    expect(o).toMatchObject({
      status_code: 400,
      error: expect.stringMatching(/string format "email" cannot be enforced \(valid: date-time, date, time\)/),
    });
  });
});
