// Scripted in-process engine for pipeline and gateway tests (stands in for any Engine; no model, no network).
import type { ToolCall } from '../../router-core/contracts/chat.js';
import type { EngineId } from '../../router-core/contracts/decision.js';
import type { ErrorType } from '../../router-core/contracts/errors.js';
import type { StreamEvent } from '../../router-core/contracts/stream.js';
import type { Engine, EngineCall } from '../../router-core/engines/engine.js';
import { CoreError } from '../../router-core/errors.js';

export interface FakeEngineOptions {
  id: EngineId;
  models: string[];
  /** Words streamed one per delta (default: echoes "answer from <model>"). */
  words?: (call: EngineCall) => string[];
  /** Fail before the first token with this error type. */
  failBeforeFirst?: ErrorType;
  /** Fail after this many deltas. */
  failAfter?: number;
  /** Delay between deltas, ms (0 = yield to the event loop only). */
  delayMs?: number;
  /** Reported as usage.meanLogprob when the call asks for confidence (as the llama.cpp engine does). */
  meanLogprob?: number;
  ok?: boolean;
  /** Probe says the engine passes tools (like Ollama and Anthropic). */
  tools?: boolean;
  /** Tool calls to make after the words when the request offers tools (finish reason becomes 'tool_calls'). */
  toolCalls?: (call: EngineCall) => ToolCall[];
}

export interface FakeEngine extends Engine {
  calls: EngineCall[];
  aborted: number;
  closed: boolean;
}

export function createFakeEngine(o: FakeEngineOptions): FakeEngine {
  const engine: FakeEngine = {
    id: o.id,
    calls: [],
    aborted: 0,
    closed: false,
    async probe() {
      if (o.ok === false) return { ok: false, models: [], reason: `${o.id} is down` };
      return o.tools ? { ok: true, models: o.models, tools: true } : { ok: true, models: o.models };
    },
    async *chat(call: EngineCall, signal: AbortSignal): AsyncGenerator<StreamEvent> {
      engine.calls.push(call);
      if (signal.aborted) throw new CoreError('aborted', 'aborted');
      yield { type: 'start', model: call.model, engine: o.id };
      if (o.failBeforeFirst) throw new CoreError(o.failBeforeFirst, `${o.id} failed: ${o.failBeforeFirst}`);
      const words = o.words?.(call) ?? ['answer ', 'from ', call.model];
      const max = call.request.params.maxTokens ?? Infinity;
      let n = 0;
      for (const w of words) {
        if (n >= max) break;
        if (o.failAfter !== undefined && n >= o.failAfter) throw new CoreError('upstream_error', `${o.id} stream broke`);
        await new Promise((r) => (o.delayMs ? setTimeout(r, o.delayMs) : setImmediate(r)));
        if (signal.aborted) {
          engine.aborted++;
          throw new CoreError('aborted', 'aborted');
        }
        yield { type: 'text-delta', text: w };
        n++;
      }
      const calls = call.request.tools?.length && o.toolCalls ? o.toolCalls(call) : [];
      for (const c of calls) yield { type: 'tool-call', call: c };
      const input = call.request.messages.reduce((a, m) => a + m.content.split(/\s+/).filter(Boolean).length, 0);
      const confidence = call.confidence && o.meanLogprob !== undefined ? { meanLogprob: o.meanLogprob } : {};
      yield { type: 'usage', usage: { inputTokens: Math.max(1, input), outputTokens: n + calls.length, ...confidence } };
      yield { type: 'done', finishReason: calls.length > 0 ? 'tool_calls' : n >= max && n < words.length ? 'length' : 'stop' };
    },
    async close() {
      engine.closed = true;
    },
  };
  return engine;
}
