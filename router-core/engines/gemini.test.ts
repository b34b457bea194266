// Pure tests of the Gemini converters, client options and error mapping (no network).
import { ApiError, type GenerateContentResponse } from '@google/genai';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ChatRequest } from '../contracts/chat.js';
import type { StreamEvent } from '../contracts/stream.js';
import {
  endOfGeminiStream,
  fromGeminiChunk,
  geminiClientOptions,
  type GeminiStreamState,
  initialGeminiState,
  loadGenAISdk,
  mapGeminiError,
  toGeminiModel,
  toGeminiRequest,
} from './gemini.js';

const req = (over: Partial<ChatRequest> = {}): ChatRequest => ({
  model: 'auto',
  messages: [{ role: 'user', content: 'hi' }],
  params: {},
  ...over,
});

function run(chunks: Array<Partial<GenerateContentResponse>>): StreamEvent[] {
  let state: GeminiStreamState = initialGeminiState('gemini-2.5-pro');
  const out: StreamEvent[] = [];
  for (const c of chunks) {
    const r = fromGeminiChunk(c as GenerateContentResponse, state);
    state = r.state;
    out.push(...r.events);
  }
  return [...out, ...endOfGeminiStream(state)];
}

describe('toGeminiRequest', () => {
  it('maps catalog ids and raw gemini-* ids; refuses others naming the valid ones', () => {
    expect(toGeminiModel('gemini')).toBe('gemini-2.5-flash');
    expect(toGeminiModel('gemini-3-flash-preview')).toBe('gemini-3-flash-preview');
    expect(() => toGeminiModel('claude-sonnet')).toThrow(/valid: gemini-2\.5-pro, gemini-2\.5-flash, gemini-2\.5-flash-lite/);
  });

  it('system → systemInstruction; assistant → model turns; same-role turns merged; empty ones dropped', () => {
    const p = toGeminiRequest({
      model: 'gemini-2.5-pro',
      request: req({
        messages: [
          { role: 'system', content: 'A.' },
          { role: 'user', content: 'u1' },
          { role: 'user', content: 'u2' },
          { role: 'assistant', content: '' },
          { role: 'assistant', content: 'a1' },
        ],
        params: { maxTokens: 10, temperature: 5, stop: ['1', '2', '3', '4', '5', '6'] },
      }),
    });
    expect(p.contents).toEqual([
      { role: 'user', parts: [{ text: 'u1' }, { text: 'u2' }] },
      { role: 'model', parts: [{ text: 'a1' }] },
    ]);
    expect(p.config).toEqual({ systemInstruction: 'A.', maxOutputTokens: 10, temperature: 2, stopSequences: ['1', '2', '3', '4', '5'] });
  });

  it("Gemini's own call ids go back with the call and its result; results are objects; a result for an unknown call is a 400", () => {
    const p = toGeminiRequest({
      model: 'gemini-2.5-flash',
      request: req({
        messages: [
          { role: 'user', content: 'q' },
          { role: 'assistant', content: 'Let me look.', toolCalls: [{ id: 'fc-9', name: 'lookup', arguments: '{"q":"x"}' }] },
          { role: 'tool', toolCallId: 'fc-9', content: '"plain text result"' },
        ],
      }),
    });
    expect((p.contents as unknown[]).slice(1)).toEqual([
      { role: 'model', parts: [{ text: 'Let me look.' }, { functionCall: { id: 'fc-9', name: 'lookup', args: { q: 'x' } } }] },
      { role: 'user', parts: [{ functionResponse: { id: 'fc-9', name: 'lookup', response: { result: 'plain text result' } } }] },
    ]);
    expect(p.config?.thinkingConfig).toEqual({ thinkingBudget: 0 });
    expect(() =>
      toGeminiRequest({ model: 'gemini-2.5-pro', request: req({ messages: [{ role: 'tool', toolCallId: 'x', content: '1' }] }) }),
    ).toThrow(/no earlier assistant turn/);
  });
});

describe('fromGeminiChunk', () => {
  it('start, text (thoughts skipped), cumulative usage kept from the last chunk, done by finishReason', () => {
    const events = run([
      {
        candidates: [{ content: { role: 'model', parts: [{ text: 'hmm', thought: true }, { text: 'Hel' }] } }],
        usageMetadata: { promptTokenCount: 9 },
      },
      {
        candidates: [{ content: { role: 'model', parts: [{ text: 'lo' }] }, finishReason: 'MAX_TOKENS' as never }],
        usageMetadata: { promptTokenCount: 9, candidatesTokenCount: 2, thoughtsTokenCount: 4, cachedContentTokenCount: 5 },
      },
    ]);
    expect(events).toEqual([
      { type: 'start', model: 'gemini-2.5-pro', engine: 'gemini' },
      { type: 'text-delta', text: 'Hel' },
      { type: 'text-delta', text: 'lo' },
      { type: 'usage', usage: { inputTokens: 9, outputTokens: 6, cachedInputTokens: 5 } },
      { type: 'done', finishReason: 'length' },
    ]);
  });

  it('each functionCall is a whole tool call (our id when Gemini gives none); the turn ends as tool_calls', () => {
    const events = run([
      {
        candidates: [
          {
            content: {
              role: 'model',
              parts: [{ functionCall: { name: 'a', args: { x: 1 } } }, { functionCall: { id: 'g-2', name: 'b' } }],
            },
            finishReason: 'STOP' as never,
          },
        ],
      },
    ]);
    expect(events.filter((e) => e.type === 'tool-call')).toEqual([
      { type: 'tool-call', call: { id: 'gemini_call_1', name: 'a', arguments: '{"x":1}' } },
      { type: 'tool-call', call: { id: 'g-2', name: 'b', arguments: '{}' } },
    ]);
    expect(events.at(-1)).toEqual({ type: 'done', finishReason: 'tool_calls' });
  });

  it('a blocked prompt and a stream without finishReason are errors', () => {
    expect(run([{ promptFeedback: { blockReason: 'SAFETY' as never } }]).find((e) => e.type === 'error')).toMatchObject({
      error: { message: 'Gemini refused the prompt (blocked: SAFETY).' },
    });
    expect(run([{ candidates: [{ content: { parts: [{ text: 'x' }] } }] }]).at(-1)).toMatchObject({ type: 'error' });
  });
});

describe('geminiClientOptions', () => {
  it('AI Studio: the key; Vertex AI: project, location and the service-account file as keyFile, never a key', () => {
    expect(geminiClientOptions({ apiKey: 'k', baseURL: 'http://x', maxRetries: 0 })).toEqual({
      vertexai: false,
      apiKey: 'k',
      httpOptions: { baseUrl: 'http://x' },
    });
    expect(geminiClientOptions({ apiKey: 'k', vertex: { project: 'p', location: 'l', credentialsFile: '/sa.json' } })).toEqual({
      vertexai: true,
      project: 'p',
      location: 'l',
      googleAuthOptions: { keyFile: '/sa.json' },
      httpOptions: { retryOptions: { attempts: 3 } },
    });
    // Application-default credentials: no googleAuthOptions at all (the SDK asks google-auth-library for ADC).
    expect(geminiClientOptions({ vertex: { project: 'p', location: 'l' }, maxRetries: 0 })).toEqual({
      vertexai: true,
      project: 'p',
      location: 'l',
      httpOptions: {},
    });
  });
});

describe('mapGeminiError', () => {
  beforeAll(async () => {
    await loadGenAISdk();
  });
  const body = (code: number, status: string, message: string, details?: unknown[]) =>
    JSON.stringify({ error: { code, status, message, details } });

  it('a bad AI Studio key (400 API_KEY_INVALID) is upstream_auth; 429 keeps RetryInfo; 503 overloaded; 500 error', () => {
    const ctx = { started: false, apiKey: 'AIza-secret' };
    expect(
      mapGeminiError(new ApiError({ status: 400, message: body(400, 'INVALID_ARGUMENT', 'bad', [{ reason: 'API_KEY_INVALID' }]) }), ctx)
        .type,
    ).toBe('upstream_auth');
    expect(
      mapGeminiError(new ApiError({ status: 429, message: body(429, 'RESOURCE_EXHAUSTED', 'q', [{ retryDelay: '12s' }]) }), ctx),
    ).toMatchObject({
      type: 'upstream_rate_limited',
      retryAfter: 12,
    });
    expect(mapGeminiError(new ApiError({ status: 503, message: body(503, 'UNAVAILABLE', 'o') }), ctx).type).toBe('upstream_overloaded');
    expect(mapGeminiError(new ApiError({ status: 500, message: body(500, 'INTERNAL', 'i') }), ctx).type).toBe('upstream_error');
    const e400 = mapGeminiError(
      new ApiError({ status: 400, message: body(400, 'INVALID_ARGUMENT', 'field x wrong near AIza-secret') }),
      ctx,
    );
    expect(e400.message).toBe('Gemini refused the request (HTTP 400): field x wrong near [redacted]');
  });
});
