// One behaviour suite every protocol adapter must pass: decode → ChatRequest, encode round trip, stream order, error shape.
import { describe, expect, it } from 'vitest';
import type { ErrorType } from '../../router-core/contracts/errors.js';
import { errorStatus, CoreError, isCoreError } from '../../router-core/errors.js';
import type { ChatRoute, Collected, ProtocolAdapter } from '../../router-core/gateway/protocol.js';
import type { PipelineEvent, PipelineRun, Summary } from '../../router-core/pipeline.js';

/** One frame of a parsed stream, in protocol-neutral terms. */
export interface StreamFrame {
  kind: 'text' | 'tool' | 'done' | 'error' | 'other';
  text?: string;
  /** The tool name, for 'tool' frames. */
  tool?: string;
  /** The protocol's own word for why the answer ended, for 'done' frames. */
  finish?: string;
}

/** What a protocol's test supplies to the suite. */
export interface ProtocolFixture {
  /**
   * A valid body for `route`: model "auto", a system message "be brief" then a user message "hi", at most 20 tokens,
   * stop sequence "END", temperature 0.5, streaming as asked.
   */
  body(route: ChatRoute, stream: boolean): Record<string, unknown>;
  /** The system turns `body` decodes to, when the route has none or its own (default: ["be brief"]). */
  systemOf?(route: ChatRoute): string[];
  /** The params `body` decodes to, when the route lacks some (default: maxTokens 20, stop ["END"], temperature 0.5). */
  paramsOf?(route: ChatRoute): Record<string, unknown>;
  /** A body `route` must refuse, and the field its message must name. */
  invalid(route: ChatRoute): { body: unknown; field: string };
  /** The answer text in an encoded JSON response. */
  textOf(response: unknown): string;
  /** Tool calls (name + arguments object) in an encoded JSON response; absent when the protocol has no tools. */
  toolCallsOf?(response: unknown): Array<{ name: string; arguments: unknown }>;
  /** Whole stream → frames; throws (or fails an expect) when a frame is malformed. */
  parseStream(raw: string): StreamFrame[];
  /** The message in an error body, after checking the body has the protocol's error shape. */
  errorMessageOf(body: unknown): string;
}

export const fakeRun = (): PipelineRun => ({
  requestId: 'req-0001',
  decision: {
    route: 'small',
    model: 'tinyllama',
    engine: 'llamacpp',
    complexity: 0.12,
    reasons: ['complexity 0.12 → small'],
    fallbacks: [],
  },
  fallbackFrom: [],
  events: (async function* () {})(),
});

export const summary: Summary = {
  requestId: 'req-0001',
  usage: { inputTokens: 7, outputTokens: 2 },
  costMicros: 0,
  allCloudMicros: 51,
  savingsMicros: 51,
  latencyMs: 40,
  ttftMs: 10,
};

/** Encode a whole stream the way mount.ts writes it: begin, one encode per event, end. */
export function encodeStream(adapter: ProtocolAdapter, route: ChatRoute, fixture: ProtocolFixture, events: PipelineEvent[]): string {
  const decoded = adapter.decode(fixture.body(route, true), route);
  const enc = adapter.createStreamEncoder(fakeRun(), decoded);
  return enc.begin() + events.map((e) => enc.encode(e)).join('') + enc.end();
}

const happy: PipelineEvent[] = [
  { type: 'text-delta', text: 'Hello' },
  { type: 'text-delta', text: ' world' },
  { type: 'usage', usage: summary.usage },
  { type: 'summary', summary },
  { type: 'done', finishReason: 'stop' },
];

/** Runs the shared protocol suite under `describe(protocol: name)`. */
export function runProtocolContract(adapter: ProtocolAdapter, fixture: ProtocolFixture): void {
  describe(`protocol contract: ${adapter.name}`, () => {
    for (const route of adapter.chatRoutes) {
      describe(`${route.method} ${route.url}`, () => {
        it('decodes into the neutral ChatRequest: model, messages, params, stream flag', () => {
          for (const stream of [false, true]) {
            const d = adapter.decode(fixture.body(route, stream), route);
            expect(d.stream).toBe(stream);
            expect(d.request.model).toBe('auto');
            expect(d.request.messages.at(-1)).toEqual({ role: 'user', content: 'hi' });
            expect(d.request.messages.filter((m) => m.role === 'system').map((m) => m.content)).toEqual(
              fixture.systemOf?.(route) ?? ['be brief'],
            );
            expect(d.request.params).toMatchObject(fixture.paramsOf?.(route) ?? { maxTokens: 20, stop: ['END'], temperature: 0.5 });
          }
        });

        it('refuses a bad body with invalid_request naming the field; a non-object body too', () => {
          const invalid = fixture.invalid(route);
          for (const bad of [invalid.body, [1, 2], null, 'hi']) {
            let caught: unknown;
            try {
              adapter.decode(bad, route);
            } catch (e) {
              caught = e;
            }
            expect(isCoreError(caught)).toBe(true);
            expect((caught as CoreError).type).toBe('invalid_request');
            expect((caught as CoreError).message).toContain(bad === invalid.body ? `"${invalid.field}"` : 'JSON object');
          }
        });

        it('round trip: decode → encodeResponse carries the answer text, as plain JSON', () => {
          const decoded = adapter.decode(fixture.body(route, false), route);
          const collected: Collected = { text: 'Hello world', toolCalls: [], finishReason: 'stop', summary };
          const out = adapter.encodeResponse(fakeRun(), collected, decoded);
          expect(JSON.parse(JSON.stringify(out))).toEqual(out);
          expect(fixture.textOf(out)).toBe('Hello world');
        });

        it('streams text in order and ends with exactly one final frame, after all text', () => {
          const frames = fixture.parseStream(encodeStream(adapter, route, fixture, happy));
          const texts = frames.filter((f) => f.kind === 'text');
          expect(texts.map((f) => f.text).join('')).toBe('Hello world');
          const done = frames.map((f, i) => (f.kind === 'done' ? i : -1)).filter((i) => i >= 0);
          expect(done).toHaveLength(1);
          expect(done[0]).toBeGreaterThan(frames.lastIndexOf(texts.at(-1)!));
          expect(frames.some((f) => f.kind === 'error')).toBe(false);
        });

        it('a mid-stream error becomes an error frame in the protocol shape; no text or success after it', () => {
          const raw = encodeStream(adapter, route, fixture, [
            { type: 'text-delta', text: 'Hel' },
            { type: 'error', error: { type: 'upstream_error', message: 'The engine stopped.' } },
          ]);
          const frames = fixture.parseStream(raw);
          const at = frames.findIndex((f) => f.kind === 'error');
          expect(at).toBeGreaterThan(frames.findIndex((f) => f.kind === 'text'));
          expect(frames[at]!.text).toBe('The engine stopped.');
          expect(frames.slice(at + 1).some((f) => f.kind === 'text' || f.kind === 'done')).toBe(false);
        });

        it('a length cut is reported as such', () => {
          const frames = fixture.parseStream(
            encodeStream(adapter, route, fixture, [
              { type: 'text-delta', text: 'Hi' },
              { type: 'summary', summary },
              { type: 'done', finishReason: 'length' },
            ]),
          );
          expect(frames.find((f) => f.kind === 'done')!.finish).toMatch(/length|max_tokens|max_output_tokens/);
        });
      });
    }

    if (fixture.toolCallsOf) {
      it('tool calls survive encodeResponse and the stream', () => {
        const route = adapter.chatRoutes[0]!;
        const decoded = adapter.decode(fixture.body(route, false), route);
        const call = { id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' };
        const out = adapter.encodeResponse(fakeRun(), { text: '', toolCalls: [call], finishReason: 'tool_calls', summary }, decoded);
        expect(fixture.toolCallsOf!(out)).toEqual([{ name: 'get_weather', arguments: { city: 'Paris' } }]);
        const frames = fixture.parseStream(
          encodeStream(adapter, route, fixture, [
            { type: 'tool-call', call },
            { type: 'summary', summary },
            { type: 'done', finishReason: 'tool_calls' },
          ]),
        );
        expect(frames.filter((f) => f.kind === 'tool').map((f) => f.tool)).toEqual(['get_weather']);
        expect(frames.findIndex((f) => f.kind === 'done')).toBeGreaterThan(frames.findIndex((f) => f.kind === 'tool'));
      });
    }

    it('every error type renders in the protocol shape with its message, as plain JSON', () => {
      for (const type of Object.keys(errorStatus) as ErrorType[]) {
        const body = adapter.encodeError(new CoreError(type, `Something about ${type}.`));
        expect(JSON.parse(JSON.stringify(body))).toEqual(body);
        expect(fixture.errorMessageOf(body)).toBe(`Something about ${type}.`);
      }
    });
  });
}
