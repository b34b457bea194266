// Client matrix: LangChain JS chat models (@langchain/openai, @langchain/ollama, @langchain/anthropic) and their
// embeddings, against the real gateway.
import { ChatAnthropic } from '@langchain/anthropic';
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { AIMessage, HumanMessage, SystemMessage, ToolMessage, type BaseMessage } from '@langchain/core/messages';
import type { Embeddings } from '@langchain/core/embeddings';
import { ChatOllama, OllamaEmbeddings } from '@langchain/ollama';
import { ChatOpenAI, OpenAIEmbeddings } from '@langchain/openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BAD_KEY,
  claudeGotToolResult,
  CityZod,
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

interface Provider {
  chat(model: string, o?: { key?: string; maxTokens?: number }): BaseChatModel;
  embeddings?(): Embeddings;
}

const providers: Record<string, Provider> = {
  '@langchain/openai': {
    chat: (model, o = {}) =>
      new ChatOpenAI({ model, apiKey: o.key ?? TOKEN, maxTokens: o.maxTokens, maxRetries: 0, configuration: { baseURL: `${gw.url}/v1` } }),
    embeddings: () => new OpenAIEmbeddings({ model: 'auto', apiKey: TOKEN, maxRetries: 0, configuration: { baseURL: `${gw.url}/v1` } }),
  },
  '@langchain/ollama': {
    chat: (model, o = {}) =>
      new ChatOllama({ model, baseUrl: gw.url, numPredict: o.maxTokens, headers: { Authorization: `Bearer ${o.key ?? TOKEN}` } }),
    embeddings: () => new OllamaEmbeddings({ model: 'auto', baseUrl: gw.url, headers: { Authorization: `Bearer ${TOKEN}` } }),
  },
  '@langchain/anthropic': {
    chat: (model, o = {}) =>
      new ChatAnthropic({
        model,
        apiKey: o.key ?? TOKEN,
        maxTokens: o.maxTokens ?? 1024,
        maxRetries: 0,
        clientOptions: { baseURL: gw.url },
      }),
  },
};

const text = (m: BaseMessage): string =>
  typeof m.content === 'string' ? m.content : m.content.map((c) => ('text' in c ? c.text : '')).join('');

for (const [name, p] of Object.entries(providers)) {
  describe(name, () => {
    it('chat', async () => {
      const r = await p.chat('auto', { maxTokens: MAX_TOKENS }).invoke('hi');
      expect(text(r).length).toBeGreaterThan(0);
    });

    it('stream: the final text is the concatenation of the chunks', async () => {
      const chunks = [];
      for await (const c of await p.chat('auto', { maxTokens: MAX_TOKENS }).stream('hi')) chunks.push(c);
      const joined = chunks.map((c) => text(c)).join('');
      expect(chunks.length).toBeGreaterThan(1);
      expect(joined.length).toBeGreaterThan(0);
      const merged = chunks.reduce((a, b) => a.concat(b));
      expect(text(merged)).toBe(joined);
    });

    it('system + multi-turn', async () => {
      const r = await p
        .chat('tinyllama', { maxTokens: MAX_TOKENS })
        .invoke([new SystemMessage('Be brief.'), new HumanMessage('hi'), new AIMessage('Hello.'), new HumanMessage('again')]);
      expect(text(r).length).toBeGreaterThan(0);
    });

    it('tools round trip', async () => {
      const model = p.chat(TOOL_MODEL).bindTools!([{ type: 'function', function: WEATHER_TOOL }]);
      const history: BaseMessage[] = [new HumanMessage('Weather in Paris?')];
      const first = (await model.invoke(history)) as AIMessage;
      expect(first.tool_calls?.map((c) => c.name)).toEqual(['get_weather']);
      history.push(first, new ToolMessage({ content: '18 °C, sunny', tool_call_id: first.tool_calls![0]!.id! }));
      const second = await model.invoke(history);
      expect(text(second).length).toBeGreaterThan(0);
      expect(claudeGotToolResult(gw)).toBe(true);
    });

    it('structured output (withStructuredOutput) parses and validates', async () => {
      const r = await p.chat(TOOL_MODEL).withStructuredOutput(CityZod, { name: 'city' }).invoke('Describe Paris.');
      expectCity(r);
    });

    it.runIf(p.embeddings !== undefined)('embeddings', async () => {
      const v = await p.embeddings!().embedDocuments(['hello', 'world']);
      expect(v).toHaveLength(2);
      expect(v[0]!.length).toBeGreaterThan(0);
    });

    it('unknown model and bad key errors', async () => {
      const nf = await p
        .chat(UNKNOWN_MODEL)
        .invoke('hi')
        .catch((e: unknown) => e);
      expect(nf).toBeInstanceOf(Error);
      expect((nf as Error).message).toContain(UNKNOWN_MODEL);
      const auth = await p
        .chat('auto', { key: BAD_KEY })
        .invoke('hi')
        .catch((e: unknown) => e);
      expect(auth).toBeInstanceOf(Error);
      expect((auth as Error).message).toMatch(/Invalid API token|401/);
    });
  });
}
