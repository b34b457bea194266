// /api/chat reads the fields the AI SDK's Ollama provider (ollama-ai-provider-v2) sends at the top level instead of in
// `options`: max_output_tokens, temperature, top_p and tool_choice. Ollama ignores them, so before, maxOutputTokens ran
// the local model to its own limit and toolChoice "none" got a tool call (the AI SDK then throws
// AI_ToolChoiceViolationError). The bodies are the provider's own, captured from it; raw HTTP on loopback, the real
// gateway with llama.cpp on the generated GGUF and the Claude stand-in.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRealGateway, type RealGateway } from '../fixtures/real-gateway.js';
import { TOKEN } from './helpers.js';

let gw: RealGateway;
beforeAll(async () => {
  gw = await startRealGateway();
}, 60_000);
afterAll(async () => gw?.close());

const WEATHER = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'The weather in a city',
    parameters: {
      $schema: 'http://json-schema.org/draft-07/schema#',
      type: 'object',
      properties: { city: { type: 'string' } },
      required: ['city'],
      additionalProperties: false,
    },
  },
};

async function chat(body: Record<string, unknown>): Promise<{ status: number; json: Record<string, unknown> }> {
  const r = await fetch(`${gw.srv.url}/api/chat`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ think: false, stream: false, ...body }),
  });
  return { status: r.status, json: (await r.json()) as Record<string, unknown> };
}

const lastClaudeBody = () => gw.claude.requests.at(-1)!.body as Record<string, unknown>;

describe('/api/chat: the AI SDK Ollama provider’s top-level fields', () => {
  it('max_output_tokens cuts a local answer (done_reason length), as options.num_predict does', async () => {
    const r = await chat({ model: 'auto', messages: [{ role: 'user', content: 'hi' }], max_output_tokens: 3 });
    expect(r.status).toBe(200);
    expect(r.json.done_reason).toBe('length');
    expect(r.json.eval_count).toBe(3);
  });

  it('temperature and top_p reach the engine; options win over them', async () => {
    const messages = [{ role: 'user', content: 'hi' }];
    // One at a time: Claude takes temperature or top_p, not both (the engine sends temperature when both are given).
    expect((await chat({ model: 'claude-sonnet', messages, temperature: 0.25 })).status).toBe(200);
    expect(lastClaudeBody()).toMatchObject({ temperature: 0.25 });
    expect((await chat({ model: 'claude-sonnet', messages, top_p: 0.5 })).status).toBe(200);
    expect(lastClaudeBody()).toMatchObject({ top_p: 0.5 });
    expect((await chat({ model: 'claude-sonnet', messages, temperature: 0.25, options: { temperature: 0.75 } })).status).toBe(200);
    expect(lastClaudeBody()).toMatchObject({ temperature: 0.75 });
  });

  it('tool_choice "none" answers in text; "required" and a named tool reach Claude as any / tool', async () => {
    const messages = [{ role: 'user', content: 'Weather in Paris?' }];
    const none = await chat({ model: 'claude-sonnet', messages, tools: [WEATHER], tool_choice: 'none' });
    expect(none.status).toBe(200);
    expect((none.json.message as { tool_calls?: unknown[] }).tool_calls ?? []).toEqual([]);
    expect(lastClaudeBody().tool_choice).toEqual({ type: 'none' });
    await chat({ model: 'claude-sonnet', messages, tools: [WEATHER], tool_choice: 'required' });
    expect(lastClaudeBody().tool_choice).toEqual({ type: 'any' });
    await chat({ model: 'claude-sonnet', messages, tools: [WEATHER], tool_choice: { type: 'function', name: 'get_weather' } });
    expect(lastClaudeBody().tool_choice).toEqual({ type: 'tool', name: 'get_weather' });
  });

  it('a tool_choice naming a tool not offered is a 400 in Ollama’s shape naming it and the offered ones', async () => {
    const r = await chat({
      model: 'claude-sonnet',
      messages: [{ role: 'user', content: 'x' }],
      tools: [WEATHER],
      tool_choice: { type: 'function', name: 'get_time' },
    });
    expect(r.status).toBe(400);
    expect(r.json.error).toMatch(/tool_choice.*"get_time".*get_weather/);
  });
});
