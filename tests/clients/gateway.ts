// The client matrix's gateway: the real core on loopback, llama.cpp on a generated GGUF for every local route and the
// Claude stand-in behind the Anthropic engine; one per test file. Also the schema check the structured-output cells use.
import { expect } from 'vitest';
import { z } from 'zod';
import { startRealGateway } from '../fixtures/real-gateway.js';
import type { AnthropicStandIn } from '../stand-ins/anthropic-server.js';
import { TOKEN, type TestServer } from '../integration/helpers.js';

export { TOKEN };

/** A wrong key of the right shape: every client must surface the gateway's 401. */
export const BAD_KEY = 'hai-wrong-key-0123456789';

/** A model name no engine has: every client must surface the gateway's 404 (or 400) naming it. */
export const UNKNOWN_MODEL = 'no-such-model-7b';

/**
 * The model for tools and structured output: Claude behind the stand-in calls the offered tool (input sampled from its
 * schema), answers text once the tool result is back, and answers a schema through a forced tool call. The tiny GGUF's
 * random weights never choose to call a tool, so a round trip needs Claude.
 */
export const TOOL_MODEL = 'claude-sonnet';

/** Short answers from the tiny GGUF: the matrix checks wire shapes, not prose (and runs on 2 shared cores). */
export const MAX_TOKENS = 8;

export interface ClientGateway {
  url: string;
  srv: TestServer;
  claude: AnthropicStandIn;
  close(): Promise<void>;
}

/** Start the gateway for one test file (call from beforeAll with a 60 s hook timeout). */
export async function startClientGateway(): Promise<ClientGateway> {
  const { srv, claude, close } = await startRealGateway({ claude: { answerWords: 6 } });
  return { url: srv.url, srv, claude, close };
}

/** The schema every structured-output cell asks for: bounded (enum, boolean, short string), so any model finishes it. */
export const CITY_SCHEMA = {
  type: 'object',
  properties: {
    name: { type: 'string', maxLength: 12 },
    size: { type: 'string', enum: ['small', 'medium', 'large'] },
    capital: { type: 'boolean' },
  },
  required: ['name', 'size', 'capital'],
  additionalProperties: false,
} as const;

/** The same schema as zod, for clients that take one. */
export const CityZod = z.object({ name: z.string().max(12), size: z.enum(['small', 'medium', 'large']), capital: z.boolean() });

/** Parse (when a string) and validate against CITY_SCHEMA; returns the value. */
export function expectCity(answer: unknown): z.infer<typeof CityZod> {
  const value: unknown = typeof answer === 'string' ? JSON.parse(answer) : answer;
  const r = z.fromJSONSchema(CITY_SCHEMA as never).safeParse(value);
  expect(r.success, `${JSON.stringify(value)} does not match the schema`).toBe(true);
  return value as z.infer<typeof CityZod>;
}

/** The weather tool every tools cell offers. */
export const WEATHER_TOOL = {
  name: 'get_weather',
  description: 'The weather in a city',
  parameters: {
    type: 'object' as const,
    properties: { city: { type: 'string' as const } },
    required: ['city'],
    additionalProperties: false,
  },
};

/** What the Claude stand-in last received (to check a tool result made it back through the client and the gateway). */
export function lastClaudeMessages(gw: ClientGateway): Array<{ role: string; content: unknown }> {
  const body = gw.claude.requests.at(-1)?.body as { messages?: Array<{ role: string; content: unknown }> } | undefined;
  return body?.messages ?? [];
}

/** True when the last Claude request carried a tool_result block (the round trip's second leg). */
export function claudeGotToolResult(gw: ClientGateway): boolean {
  return lastClaudeMessages(gw).some(
    (m) => Array.isArray(m.content) && (m.content as Array<{ type?: string }>).some((b) => b.type === 'tool_result'),
  );
}
