// Client matrix: LlamaIndex TS (@llamaindex/openai and @llamaindex/ollama LLMs and embeddings) against the real gateway.
import type { BaseTool, ChatMessage, LLM, ToolCallLLMMessageOptions } from '@llamaindex/core/llms';
import { Ollama, OllamaEmbedding } from '@llamaindex/ollama';
import { OpenAI, OpenAIEmbedding } from '@llamaindex/openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BAD_KEY,
  claudeGotToolResult,
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
  llm(model: string, key?: string): LLM;
  embed(texts: string[]): Promise<number[][]>;
}

const providers: Record<string, Provider> = {
  '@llamaindex/openai': {
    llm: (model, key = TOKEN) => new OpenAI({ model, apiKey: key, baseURL: `${gw.url}/v1`, maxRetries: 0, maxTokens: MAX_TOKENS }),
    embed: (texts) =>
      new OpenAIEmbedding({ model: 'auto', apiKey: TOKEN, baseURL: `${gw.url}/v1`, maxRetries: 0 }).getTextEmbeddings(texts),
  },
  '@llamaindex/ollama': {
    llm: (model, key = TOKEN) =>
      new Ollama({ model, config: { host: gw.url, headers: { Authorization: `Bearer ${key}` } }, options: { num_predict: MAX_TOKENS } }),
    embed: (texts) =>
      new OllamaEmbedding({ model: 'auto', config: { host: gw.url, headers: { Authorization: `Bearer ${TOKEN}` } } }).getTextEmbeddings(
        texts,
      ),
  },
};

const weather: BaseTool = {
  metadata: { name: WEATHER_TOOL.name, description: WEATHER_TOOL.description, parameters: WEATHER_TOOL.parameters },
  call: ({ city }: { city: string }) => `18 °C and sunny in ${city}`,
};

for (const [name, p] of Object.entries(providers)) {
  describe(name, () => {
    it('chat', async () => {
      const r = await p.llm('auto').chat({ messages: [{ role: 'user', content: 'hi' }] });
      expect(String(r.message.content).length).toBeGreaterThan(0);
    });

    it('stream: the answer arrives in several deltas (LlamaIndex keeps no final text to compare)', async () => {
      const stream = await p.llm('auto').chat({ messages: [{ role: 'user', content: 'hi' }], stream: true });
      let joined = '';
      let n = 0;
      for await (const c of stream) {
        joined += c.delta;
        n++;
      }
      expect(n).toBeGreaterThan(1);
      expect(joined.length).toBeGreaterThan(0);
      expect(gw.srv.core.ledger.recent(1)[0]).toMatchObject({ status: 'ok' });
    });

    it('system + multi-turn', async () => {
      const r = await p.llm('tinyllama').chat({
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'hi' },
          { role: 'assistant', content: 'Hello.' },
          { role: 'user', content: 'again' },
        ],
      });
      expect(String(r.message.content).length).toBeGreaterThan(0);
    });

    it('tools round trip', async () => {
      const llm = p.llm(TOOL_MODEL) as LLM<object, ToolCallLLMMessageOptions> & { supportToolCall: boolean };
      // LlamaIndex sends tools only when the LLM says it can call them (for OpenAI, judged from the model name).
      expect(llm.supportToolCall).toBe(true);
      const messages: ChatMessage<ToolCallLLMMessageOptions>[] = [{ role: 'user', content: 'Weather in Paris?' }];
      const first = await llm.chat({ messages, tools: [weather] });
      const call = (first.message.options as { toolCall?: Array<{ id: string; name: string }> } | undefined)?.toolCall?.[0];
      expect(call?.name).toBe('get_weather');
      messages.push(first.message, {
        role: 'user',
        content: '18 °C, sunny',
        options: { toolResult: { id: call!.id, result: '18 °C, sunny', isError: false } },
      });
      const second = await llm.chat({ messages, tools: [weather] });
      expect(String(second.message.content).length).toBeGreaterThan(0);
      expect(claudeGotToolResult(gw)).toBe(true);
    });

    it('embeddings', async () => {
      const v = await p.embed(['hello', 'world']);
      expect(v).toHaveLength(2);
      expect(v[0]!.length).toBeGreaterThan(0);
    });

    it('unknown model and bad key errors', async () => {
      const nf = await p
        .llm(UNKNOWN_MODEL)
        .chat({ messages: [{ role: 'user', content: 'hi' }] })
        .catch((e: unknown) => e);
      expect((nf as Error).message).toContain(UNKNOWN_MODEL);
      const auth = await p
        .llm('auto', BAD_KEY)
        .chat({ messages: [{ role: 'user', content: 'hi' }] })
        .catch((e: unknown) => e);
      expect((auth as Error).message).toMatch(/Invalid API token|401/);
    });
  });
}
