// Claude key settings: GET/PUT/DELETE /api/v1/settings/claude-key; the key goes in, only its status comes out.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { CoreError } from '../errors.js';
import { CLAUDE_KEY, type SecretStatus, type SecretStore } from '../host/secrets.js';

/** What a one-token call with a just-saved key said: Claude accepted it, or refused it or could not be reached (why). */
export type KeyTest = { ok: true } | { ok: false; error_type: string; message: string };

/** What the routes need: the core's secret store, and (when Claude is wired) a way to try a key. */
export interface SecretsApiDeps {
  secrets: SecretStore;
  /** Ask Claude for one token with `key`; never throws (a failure is the result). */
  testClaudeKey?(key: string, signal: AbortSignal): Promise<KeyTest>;
  /** The last time a real request found the key refused (cleared when a key is saved or a Claude request succeeds). */
  lastAuthError?(): ClaudeAuthError | undefined;
}

/** A refusal of the Claude key seen on a real request: GET claude-key shows it as `last_error` until fixed. */
export interface ClaudeAuthError {
  error_type: 'upstream_auth';
  message: string;
  /** When it happened (ms since the epoch). */
  at: number;
}

/** How long the save waits for Claude's answer to the one-token test: a slow first connection, not a hung one. */
export const KEY_TEST_TIMEOUT_MS = 15_000;

/** Every Claude key starts with this (api03 keys, admin keys, and keys of proxies that mimic them). */
export const CLAUDE_KEY_PREFIX = 'sk-ant-';
/**
 * Shortest key accepted: real keys are about 108 characters; 20 rejects a truncated or wrong paste (a prefix alone,
 * a last-4 copied back from the UI) without rejecting shorter keys of gateways that mimic Claude's format.
 */
export const MIN_CLAUDE_KEY_LENGTH = 20;
/** Longest key accepted: 4× a real key; anything longer is a paste of something else. */
export const MAX_CLAUDE_KEY_LENGTH = 512;
const KEY_CHARS = /^[A-Za-z0-9_-]+$/;

/**
 * Check a pasted key's shape. The message names what is wrong and what is valid, and never echoes the value
 * (at most its length), because error messages reach logs and the UI.
 */
export function validateClaudeKey(raw: unknown): string {
  if (typeof raw !== 'string')
    throw new CoreError('invalid_request', `Invalid "key": send {"key": "${CLAUDE_KEY_PREFIX}..."}, a string with your Claude API key.`);
  const key = raw.trim();
  if (!key.startsWith(CLAUDE_KEY_PREFIX))
    throw new CoreError(
      'invalid_request',
      `Invalid "key": a Claude API key starts with "${CLAUDE_KEY_PREFIX}" (create one at console.anthropic.com → API keys).`,
    );
  if (key.length < MIN_CLAUDE_KEY_LENGTH || key.length > MAX_CLAUDE_KEY_LENGTH)
    throw new CoreError(
      'invalid_request',
      `Invalid "key": ${key.length} characters; a Claude API key has ${MIN_CLAUDE_KEY_LENGTH} to ${MAX_CLAUDE_KEY_LENGTH} (check that it was copied whole).`,
    );
  if (!KEY_CHARS.test(key))
    throw new CoreError(
      'invalid_request',
      'Invalid "key": only letters, digits, "-" and "_" may follow "sk-ant-" (no spaces or quotes inside).',
    );
  return key;
}

/**
 * Try a pasted key with one token before it is saved. A key the provider refuses as unauthorized (HTTP 401/403, our
 * `upstream_auth`) is a 400 and nothing is written, so the key saved before stays in use. A key that cannot be checked
 * now (provider unreachable, 5xx, rate limited, timed out) is saved anyway (the person may be offline) with a
 * `warning` saying so. No test wired (tests with injected engines): saved unchecked, no warning.
 */
export async function checkKeyBeforeSaving(
  provider: string,
  key: string,
  test: ((key: string, signal: AbortSignal) => Promise<KeyTest>) | undefined,
): Promise<{ test?: KeyTest; warning?: string }> {
  if (!test) return {};
  const t = await test(key, AbortSignal.timeout(KEY_TEST_TIMEOUT_MS));
  if (t.ok) return { test: t };
  const said = t.message.replace(/\.$/, '');
  if (t.error_type === 'upstream_auth') {
    throw new CoreError(
      'invalid_request',
      `Invalid "key": ${provider} rejected it as unauthorized (${said}). It was not saved; the key saved before, if any, is still the one in use. Check that the key was copied whole and is still active.`,
      { details: { param: 'key' } },
    );
  }
  return {
    test: t,
    warning: `The key was saved but could not be checked: ${said} (${t.error_type}). The next cloud request will tell whether ${provider} accepts it.`,
  };
}

/** Two warnings as one (either may be absent). */
export const joinWarnings = (...ws: Array<string | undefined>): { warning?: string } => {
  const w = ws.filter((x) => x !== undefined && x !== '').join(' ');
  return w ? { warning: w } : {};
};

/**
 * Refuse to delete a key that comes from the environment (409): deleting the saved copy would leave the environment's
 * key in use, so an answer of "deleted" would be false. Nothing is deleted.
 */
export function refuseEnvKeyDelete(secrets: SecretStore, name: string, provider: string): void {
  const variable = secrets.envVariable(name);
  if (!variable) return;
  throw new CoreError(
    'conflict',
    `The ${provider} key comes from the environment variable ${variable}, which cannot be changed from here: unset ${variable} where the core is started, then restart it. Nothing was deleted.`,
    { details: { param: variable } },
  );
}

function parseStore(q: unknown): 'keychain' | 'file' | undefined {
  const store = (q as { store?: unknown } | undefined)?.store;
  if (store === undefined || store === '') return undefined;
  if (store === 'keychain' || store === 'file') return store;
  throw new CoreError('invalid_request', `Invalid "store": ${JSON.stringify(store).slice(0, 40)}. Valid: keychain, file.`);
}

const send = (reply: FastifyReply, s: SecretStatus): SecretStatus => {
  // The status says which key is set; no cache or proxy needs to keep it.
  void reply.header('cache-control', 'no-store');
  return s;
};

/** Mount the three routes (behind the token like every /api route). */
export function mountSecretsApi(app: FastifyInstance, deps: SecretsApiDeps): void {
  const route = '/api/v1/settings/claude-key';
  app.get(route, async (_req, reply) => {
    const status = await deps.secrets.status(CLAUDE_KEY);
    const lastError = status.configured ? deps.lastAuthError?.() : undefined;
    return send(reply, { ...status, ...(lastError ? { last_error: lastError } : {}) } as SecretStatus);
  });

  app.put(route, async (req, reply) => {
    const store = parseStore(req.query);
    const body = req.body;
    if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body))
      throw new CoreError('invalid_request', `The request body must be a JSON object: {"key": "${CLAUDE_KEY_PREFIX}..."}.`);
    const extra = Object.keys(body).filter((k) => k !== 'key');
    if (extra.length > 0) throw new CoreError('invalid_request', `Unknown field "${extra[0]!.slice(0, 40)}": the body holds only "key".`);
    const key = validateClaudeKey((body as { key?: unknown }).key);
    // Tried first: a key Claude refuses is never written; one that cannot be tried now is saved with a warning.
    const checked = await checkKeyBeforeSaving('Claude', key, deps.testClaudeKey);
    const status = await deps.secrets.set(CLAUDE_KEY, key, store ? { store } : {});
    return send(reply, {
      ...status,
      ...joinWarnings(status.warning, checked.warning),
      ...(checked.test ? { test: checked.test } : {}),
    } as SecretStatus);
  });

  app.delete(route, async (_req, reply) => {
    refuseEnvKeyDelete(deps.secrets, CLAUDE_KEY, 'Claude');
    return send(reply, await deps.secrets.delete(CLAUDE_KEY));
  });
}
