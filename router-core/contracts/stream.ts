// The stream of events an engine yields and the pipeline forwards to protocol encoders.
import type { ToolCall } from './chat.js';
import type { EngineId } from './decision.js';
import type { ErrorType } from './errors.js';

/** Why generation ended ('tool_calls': the model stopped to let the caller run the tools it called). */
export type FinishReason = 'stop' | 'length' | 'abort' | 'tool_calls';

/** Token counts as reported by the engine that answered. */
export interface Usage {
  /** Every input token, those read from the provider's prompt cache included. */
  inputTokens: number;
  outputTokens: number;
  /**
   * Of `inputTokens`, those read from the provider's prompt cache (Anthropic cache reads, OpenAI cached input,
   * Gemini context caching), billed at the cached-input price where the provider has one. Absent = none.
   */
  cachedInputTokens?: number;
  /** Mean natural-log probability of the generated tokens, when the engine was asked for it and can tell (cascade check). */
  meanLogprob?: number;
  /**
   * Milliseconds this call waited for the engine to load the model (start the runtime, read the weights, open the
   * context); absent when the model was already loaded. Ollama's `load_duration`.
   */
  loadMs?: number;
}

/** One candidate token at a position of the answer: its text, natural-log probability and UTF-8 bytes. */
export interface TokenChoice {
  token: string;
  logprob: number;
  bytes: number[];
}

/** One token of the answer with its log-probability and the most likely tokens at its position (best first). */
export interface TokenLogprob extends TokenChoice {
  top: TokenChoice[];
}

/**
 * Events in order: start, (text-delta | tool-call)*, logprobs?, usage, done — or error at any point after start.
 * `logprobs` comes once, for the whole answer, when the request asked for them and the engine returns them.
 * A tool-call carries one whole call (its arguments complete): engines buffer partial arguments.
 */
export type StreamEvent =
  | { type: 'start'; model: string; engine: EngineId }
  | { type: 'text-delta'; text: string }
  | { type: 'tool-call'; call: ToolCall }
  | { type: 'logprobs'; tokens: TokenLogprob[] }
  | { type: 'usage'; usage: Usage }
  /**
   * `stopSequence`: which of the request's stop sequences ended the answer, when one did and the engine can tell
   * (the embedded llama.cpp engine and Claude can; finishReason is then 'stop').
   */
  | { type: 'done'; finishReason: FinishReason; stopSequence?: string }
  | { type: 'error'; error: { type: ErrorType; message: string } };
