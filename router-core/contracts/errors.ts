// Error types shared by core, gateway and UI; the HTTP status mapping lives in router-core/errors.ts.

/** Every error the product reports has one of these types. */
export type ErrorType =
  | 'invalid_request'
  | 'unsupported_media_type'
  | 'authentication'
  | 'forbidden'
  | 'not_found'
  | 'payload_too_large'
  | 'rate_limited'
  | 'no_model_available'
  | 'upstream_auth'
  | 'upstream_rate_limited'
  | 'upstream_overloaded'
  | 'upstream_error'
  | 'upstream_unavailable'
  | 'timeout'
  | 'aborted'
  | 'internal';

/** Wire shape of every native error response. */
export interface ErrorBody {
  error: { type: ErrorType; message: string };
}
