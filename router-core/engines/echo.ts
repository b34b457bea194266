// A trivial local engine that answers with the last user message (an exercise in adding an engine).
import type { StreamEvent } from '../contracts/stream.js';
import { CoreError } from '../errors.js';
import type { Engine, EngineCall } from './engine.js';

/** The last user turn's text, cut to `maxTokens` words. */
export function echoText(call: EngineCall): string {
  const last = [...call.request.messages].reverse().find((m) => m.role === 'user');
  const text = typeof last?.content === 'string' ? last.content : '';
  const max = call.request.params?.maxTokens ?? 256;
  return text.split(/\s+/).filter(Boolean).slice(0, max).join(' ') || '.';
}

export function createEchoEngine(opts: { model: string }): Engine {
  return {
    id: 'echo',
    probe: async () => ({ ok: true, models: [opts.model] }),
    async *chat(call: EngineCall, signal: AbortSignal): AsyncIterable<StreamEvent> {
      if (signal.aborted) throw new CoreError('aborted', 'The request was cancelled.');
      yield { type: 'start', model: call.model, engine: 'echo' };
      const words = echoText(call).split(' ');
      for (const [i, w] of words.entries()) {
        if (signal.aborted) throw new CoreError('aborted', 'The request was cancelled.');
        yield { type: 'text-delta', text: i === 0 ? w : ` ${w}` };
        await new Promise((r) => setImmediate(r));
      }
      if (signal.aborted) throw new CoreError('aborted', 'The request was cancelled.');
      yield { type: 'usage', usage: { inputTokens: 1, outputTokens: words.length } };
      yield { type: 'done', finishReason: 'stop' };
    },
    close: async () => {},
  };
}
