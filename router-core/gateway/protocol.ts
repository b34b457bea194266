// ProtocolAdapter: a wire protocol as pure decode/encode over our neutral ChatRequest and pipeline events.
import type { ChatRequest, Protocol } from '../contracts/chat.js';
import type { CoreError } from '../errors.js';
import type { PipelineEvent, PipelineRun, Summary } from '../pipeline.js';
import type { FinishReason } from '../contracts/stream.js';

/** A decoded request and how the caller wants the answer back. */
export interface Decoded {
  request: ChatRequest;
  stream: boolean;
  /** Adapter-specific options the encoders need (e.g. OpenAI include_usage). */
  options?: Record<string, unknown>;
}

/** A whole (non-streamed) answer collected from the pipeline. */
export interface Collected {
  text: string;
  finishReason: FinishReason;
  summary: Summary;
}

/** Turns pipeline events into the protocol's stream framing. */
export interface StreamEncoder {
  contentType: string;
  /** Frames to write first (may be empty). */
  begin(): string;
  /** Frame(s) for one event, or '' when the protocol has nothing to say about it. */
  encode(ev: PipelineEvent): string;
  /** Frame(s) that close the stream after 'done' or 'error'. */
  end(): string;
}

export interface ChatRoute {
  method: 'POST';
  url: string;
  /** Shapes the request (e.g. Ollama /api/generate vs /api/chat). */
  variant?: string;
}

export interface ProtocolAdapter {
  name: Protocol;
  chatRoutes: ChatRoute[];
  /** Throws CoreError('invalid_request') naming the bad field and what is valid. */
  decode(body: unknown, route: ChatRoute): Decoded;
  encodeResponse(run: PipelineRun, collected: Collected, decoded: Decoded): unknown;
  createStreamEncoder(run: PipelineRun, decoded: Decoded): StreamEncoder;
  /** The protocol's own error shape. */
  encodeError(err: CoreError): unknown;
}
