// Error types shared by core, gateway and UI; the HTTP status mapping lives in router-core/errors.ts.

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
  param?: string;
  value?: string;
  valid?: readonly string[];
}

/** Wire shape of every native error response. */
export interface ErrorBody {
  error: { type: ErrorType; message: string };
}
