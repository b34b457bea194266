// Error types shared by core, gateway and UI; the HTTP status mapping lives in router-core/errors.ts.
import type { CloudBlockKind } from './decision.js';

/** Every error the product reports has one of these types. */
export type ErrorType =
  | 'invalid_request'
  | 'unsupported_media_type'
  | 'authentication'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'payload_too_large'
  | 'context_length_exceeded'
  | 'rate_limited'
  | 'no_model_available'
  | 'upstream_auth'
  | 'upstream_rate_limited'
  | 'upstream_overloaded'
  | 'upstream_error'
  | 'upstream_unavailable'
  | 'timeout'
  | 'aborted'
  | 'insufficient_storage'
  | 'internal';

/**
 * What a protocol needs to word an error its own way (Ollama: "model 'x' not found"; OpenAI: `param`).
 * `param` is the request field at fault, `value` what the caller sent there, `valid` what would have worked.
 */
export interface ErrorDetails {
  /** Why the request was refused, typed: what a client acts on (never the message's words). */
  kind?: ErrorKind;
  param?: string;
  value?: string;
  valid?: readonly string[];
}

/**
 * A refusal's cause, typed, for the few errors a client answers differently by cause: a cloud block (a named cloud
 * model refused because of local-only mode, the privacy guard, the budget, ...) or a key the OS keychain could not
 * take ('keychain-unavailable': the same request with `?store=file` saves it to a file instead).
 */
export type ErrorKind = CloudBlockKind | 'keychain-unavailable';

/** Wire shape of every native error response (`kind` only where the error has a typed cause). */
export interface ErrorBody {
  error: { type: ErrorType; message: string; kind?: ErrorKind };
}
