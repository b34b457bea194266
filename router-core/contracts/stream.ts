// The stream of events an engine yields and the pipeline forwards to protocol encoders.
import type { EngineId } from './decision.js';
import type { ErrorType } from './errors.js';

/** Why generation ended. */
export type FinishReason = 'stop' | 'length' | 'abort';

/** Token counts as reported by the engine that answered. */
export interface Usage {
  inputTokens: number;
  outputTokens: number;
}

/** Events in order: start, text-delta*, usage, done — or error at any point after start. */
export type StreamEvent =
  | { type: 'start'; model: string; engine: EngineId }
  | { type: 'text-delta'; text: string }
  | { type: 'usage'; usage: Usage }
  | { type: 'done'; finishReason: FinishReason }
  | { type: 'error'; error: { type: ErrorType; message: string } };
