// One error catalogue: ErrorType -> HTTP status; CoreError carries a message safe to show a user.
import type { ErrorDetails, ErrorType } from './contracts/errors.js';
import type { Usage } from './contracts/stream.js';

export type { ErrorDetails, ErrorType };

/** HTTP status for each error type: 4xx for the caller's mistakes, 5xx for ours or upstream's. */
export const errorStatus: Record<ErrorType, number> = {
  invalid_request: 400,
  unsupported_media_type: 415,
  authentication: 401,
  forbidden: 403,
  not_found: 404,
  // The request is valid but the state of things forbids it (a key set in the environment cannot be deleted over HTTP).
  conflict: 409,
  payload_too_large: 413,
  // The prompt plus the answer's room does not fit the chosen model's context (OpenAI's code has the same name).
  context_length_exceeded: 400,
  rate_limited: 429,
  no_model_available: 503,
  upstream_auth: 502,
  upstream_rate_limited: 503,
  upstream_overloaded: 503,
  upstream_error: 502,
  upstream_unavailable: 503,
  timeout: 504,
  // 499 is nginx's "client closed request": nobody reads it, but the ledger and metrics do.
  aborted: 499,
  // Not enough free disk for a model download (WebDAV's 507, the one status that says exactly this).
  insufficient_storage: 507,
  internal: 500,
};

/** An expected failure with a message that is safe to show (never a secret, never a stack). */
export class CoreError extends Error {
  readonly type: ErrorType;
  /** Seconds a client should wait before retrying (429/503), when known. */
  readonly retryAfter?: number;
  readonly details?: ErrorDetails;
  /**
   * The model a cloud provider refused as unknown to it (HTTP 404, or a 400 naming the model): the core stops offering
   * that model until its setup changes or a call to it succeeds. Not part of any wire shape.
   */
  readonly refusedModel?: string;
  /**
   * What an engine really used before it stopped, when it can tell (an aborted local answer: the prompt's tokens and
   * those generated), recorded instead of an estimate. Not part of any wire shape.
   */
  readonly usage?: Usage;
  /**
   * Asking again the same way cannot succeed (the request's own time budget ran out): answers tell the SDKs that
   * retry every 5xx not to (x-should-retry: false). Not part of any wire shape.
   */
  readonly final?: boolean;

  constructor(
    type: ErrorType,
    message: string,
    options?: {
      cause?: unknown;
      retryAfter?: number;
      details?: ErrorDetails;
      refusedModel?: string;
      usage?: Usage;
      final?: boolean;
    },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CoreError';
    this.type = type;
    this.retryAfter = options?.retryAfter;
    this.details = options?.details;
    this.refusedModel = options?.refusedModel;
    this.usage = options?.usage;
    this.final = options?.final;
  }

  get status(): number {
    return errorStatus[this.type];
  }
}

/** Narrowing helper that also works across module copies. */
export function isCoreError(e: unknown): e is CoreError {
  return e instanceof CoreError || (e instanceof Error && e.name === 'CoreError' && 'type' in e);
}

/** Anything thrown -> a CoreError; unknown errors become a generic 'internal' without their text. */
export function toCoreError(e: unknown): CoreError {
  if (isCoreError(e)) return e;
  if (e instanceof Error && e.name === 'AbortError') return new CoreError('aborted', 'The request was cancelled.', { cause: e });
  return new CoreError('internal', 'Internal error.', { cause: e });
}
