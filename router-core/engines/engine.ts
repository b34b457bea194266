// The one interface every engine implements (embedded llama.cpp, Ollama, Anthropic, OpenAI-compatible).
import type { ChatRequest, ModelKeepAlive } from '../contracts/chat.js';
import type { EngineAvailability, EngineId } from '../contracts/decision.js';
import type { StreamEvent } from '../contracts/stream.js';
import type { CoreError } from '../errors.js';

/** What the pipeline hands an engine: the request plus the concrete model chosen. */
export interface EngineCall {
  request: ChatRequest;
  /** Catalog model id (or a provider model id for cloud engines). */
  model: string;
  /** Ask for `usage.meanLogprob` (engines that cannot measure it ignore this). */
  confidence?: boolean;
  /**
   * false: the caller reads the answer whole (a non-streaming client request), so an engine may fetch it in one
   * upstream response instead of a token stream; the events are the same, text arriving in one delta. Default true.
   */
  stream?: boolean;
  /** Who asks (the app key id; absent = the API token): engines with a queue serve callers fairly by it. */
  owner?: string;
  /** The gateway's id of the request (its x-request-id and ledger row id): engines with a queue show it beside each call. */
  requestId?: string;
  /** The id the caller sent as x-client-request-id, when it sent one: shown beside its queued call, so it can find itself. */
  clientRequestId?: string;
}

/** Who a call is for, as an engine's queue shows it and serves callers fairly by. */
export type CallIdentity = Pick<EngineCall, 'owner' | 'requestId' | 'clientRequestId'>;

/** What an embedding call may add to its texts. */
export interface EmbedOptions {
  /** The caller's keep_alive (Ollama's API): engines that load models on their own honour it for this call. */
  keepAlive?: ModelKeepAlive;
}

/** Embedding vectors for some texts, in input order, and the tokens they took. */
export interface EmbedResult {
  embeddings: number[][];
  inputTokens: number;
}

/**
 * An engine streams events for one call.
 * Contract (tests/contract/engine.contract.ts): yields `start` first, then text-deltas, exactly one
 * `usage`, then `done`; throws CoreError (never raw upstream errors) on failure; stops generating
 * promptly when `signal` aborts and then throws CoreError('aborted').
 */
export interface Engine {
  readonly id: EngineId;
  /** Cheap check of what the engine can serve now; never throws. */
  probe(): Promise<EngineAvailability>;
  chat(call: EngineCall, signal: AbortSignal): AsyncIterable<StreamEvent>;
  /**
   * Embedding vectors for `texts` from `model` (a catalog id, or a name native to the engine); present only on
   * engines that can embed. Over-long texts are truncated to the model's window (as Ollama does by default).
   * Throws CoreError like chat(); CoreError('aborted') once `signal` aborts.
   */
  embed?(texts: readonly string[], model: string, signal: AbortSignal, options?: EmbedOptions): Promise<EmbedResult>;
  /** Release processes, workers, sockets. */
  close(): Promise<void>;
}

/**
 * What a cloud engine's `checkKey` (a one-token call made when a key is saved) answers: the key works, or why not
 * (a CoreError whose message names the problem, never the key).
 */
export type KeyCheck = { ok: true } | { ok: false; error: CoreError };
