// Client matrix: the Vercel AI SDK with @ai-sdk/openai (default provider = Responses API, and .chat()),
// @ai-sdk/openai-compatible, @ai-sdk/anthropic and ollama-ai-provider-v2, against the real gateway.
import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAI } from '@ai-sdk/openai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import {
  APICallError,
  embedMany,
  generateText,
  jsonSchema,
  Output,
  stepCountIs,
  streamText,
  tool,
  type JSONSchema7,
  type LanguageModel,
} from 'ai';
import { createOllama } from 'ollama-ai-provider-v2';
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

/** A provider's chat model and embedding model by name; `key` for the bad-key cell. */
interface Provider {
  chat(model: string, key?: string): LanguageModel;
  embedding?(model: string): Parameters<typeof embedMany>[0]['model'];
}

const providers: Record<string, Provider> = {
  'ai-sdk openai (Responses API)': {
    chat: (m, key = TOKEN) => createOpenAI({ baseURL: `${gw.url}/v1`, apiKey: key })(m),
    embedding: (m) => createOpenAI({ baseURL: `${gw.url}/v1`, apiKey: TOKEN }).embedding(m),
  },
  'ai-sdk openai .chat()': {
    chat: (m, key = TOKEN) => createOpenAI({ baseURL: `${gw.url}/v1`, apiKey: key }).chat(m),
  },
  'ai-sdk openai-compatible': {
    chat: (m, key = TOKEN) =>
      createOpenAICompatible({ name: 'hybrid', baseURL: `${gw.url}/v1`, apiKey: key, supportsStructuredOutputs: true }).chatModel(m),
    embedding: (m) => createOpenAICompatible({ name: 'hybrid', baseURL: `${gw.url}/v1`, apiKey: TOKEN }).embeddingModel(m),
  },
  'ai-sdk anthropic': {
    chat: (m, key = TOKEN) => createAnthropic({ baseURL: `${gw.url}/v1`, apiKey: key })(m),
  },
  'ai-sdk ollama (ollama-ai-provider-v2)': {
    chat: (m, key = TOKEN) => createOllama({ baseURL: `${gw.url}/api`, headers: { Authorization: `Bearer ${key}` } })(m),
    embedding: (m) => createOllama({ baseURL: `${gw.url}/api`, headers: { Authorization: `Bearer ${TOKEN}` } }).embedding(m),
  },
};

const weather = tool({
  description: WEATHER_TOOL.description,
  inputSchema: jsonSchema<{ city: string }>({ ...WEATHER_TOOL.parameters, properties: { city: { type: 'string' } }, required: ['city'] }),
  execute: async ({ city }) => `18 °C and sunny in ${city}`,
});

for (const [name, p] of Object.entries(providers)) {
  describe(name, () => {
    it('chat', async () => {
      const r = await generateText({ model: p.chat('auto'), prompt: 'hi', maxOutputTokens: MAX_TOKENS });
      expect(r.text.length).toBeGreaterThan(0);
      expect(r.usage.outputTokens).toBeGreaterThan(0);
    });

    it('stream: the final text is the concatenation of the deltas', async () => {
      const r = streamText({ model: p.chat('auto'), prompt: 'hi', maxOutputTokens: MAX_TOKENS });
      let joined = '';
      for await (const d of r.textStream) joined += d;
      expect(joined.length).toBeGreaterThan(0);
      expect(await r.text).toBe(joined);
    });

    it('system + multi-turn', async () => {
      const r = await generateText({
        model: p.chat('tinyllama'),
        system: 'Be brief.',
        maxOutputTokens: MAX_TOKENS,
        messages: [
          { role: 'user', content: 'hi' },
          { role: 'assistant', content: 'Hello.' },
          { role: 'user', content: 'again' },
        ],
      });
      expect(r.text.length).toBeGreaterThan(0);
    });

    it('tools round trip', async () => {
      const r = await generateText({
        model: p.chat(TOOL_MODEL),
        prompt: 'Weather in Paris?',
        tools: { get_weather: weather },
        stopWhen: stepCountIs(3),
      });
      expect(r.steps[0]!.toolCalls.map((c) => c.toolName)).toEqual(['get_weather']);
      expect(r.steps[0]!.toolResults[0]!.output).toMatch(/18 °C and sunny/);
      expect(r.text.length).toBeGreaterThan(0);
      expect(claudeGotToolResult(gw)).toBe(true);
    });

    it('structured output parses and validates', async () => {
      const r = await generateText({
        model: p.chat(TOOL_MODEL),
        prompt: 'Describe Paris.',
        output: Output.object({ schema: jsonSchema(JSON.parse(JSON.stringify(CITY_SCHEMA)) as JSONSchema7) }),
      });
      expectCity(r.output);
    });

    it.runIf(p.embedding !== undefined)('embeddings', async () => {
      const r = await embedMany({ model: p.embedding!('auto'), values: ['hello', 'world'] });
      expect(r.embeddings).toHaveLength(2);
      expect(r.embeddings[0]!.length).toBeGreaterThan(0);
    });

    it('unknown model and bad key errors', async () => {
      const nf = await generateText({ model: p.chat(UNKNOWN_MODEL), prompt: 'hi', maxRetries: 0 }).catch((e: unknown) => e);
      expect(APICallError.isInstance(nf)).toBe(true);
      expect((nf as APICallError).statusCode).toBe(404);
      // ollama-ai-provider-v2 reads OpenAI's {"error": {"message"}} shape; Ollama (and this gateway, as Ollama) answer
      // {"error": "..."}, so that provider's message is the status text and the gateway's words are in responseBody.
      expect(`${(nf as APICallError).message} ${(nf as APICallError).responseBody}`).toContain(UNKNOWN_MODEL);
      const auth = await generateText({ model: p.chat('auto', BAD_KEY), prompt: 'hi', maxRetries: 0 }).catch((e: unknown) => e);
      expect(APICallError.isInstance(auth)).toBe(true);
      expect((auth as APICallError).statusCode).toBe(401);
    });
  });
}
