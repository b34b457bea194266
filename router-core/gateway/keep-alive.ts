// Ollama's keep_alive for the models the embedded engine holds: how long a model stays loaded after a request that
// names a duration, shown as /api/ps `expires_at`, and the unload when it lapses.
//
// why here and not in the engine: keep_alive is an Ollama API setting. The engine's own policy (keep the tier's models
// loaded; make room by least recent use) is the default; a duration only shortens it for the model it was sent with.
import type { ModelKeepAlive } from '../contracts/chat.js';
import { CoreError } from '../errors.js';

/** What a request's keep_alive asks for: the server's default when it sent none. */
export type KeepAlive = { kind: 'default' } | ModelKeepAlive;

/** Go's time units as Ollama parses them (time.ParseDuration). \u00b5 is Go's µ (the server bundle stays ASCII). */
const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, '\u00b5s': 1e-3, ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };
const DURATION = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|\u00b5s|ms|s|m|h)(?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|\u00b5s|ms|s|m|h))*$/;
/** Go's time.Duration at its longest, in ms (~292 years). */
const MAX_DURATION_MS = (2 ** 63 - 1) / 1e6;
const PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|\u00b5s|ms|s|m|h)/g;

/**
 * A body's keep_alive as Ollama reads it (api.Duration): absent = the server's default; a number is seconds; a string
 * is a Go duration ("5m", "1h30m", "0") or a number of seconds; zero unloads the model after the request; negative
 * keeps it loaded. Anything else is a 400 that names what is valid.
 */
export function parseKeepAlive(v: unknown): KeepAlive {
  if (v === undefined || v === null) return { kind: 'default' };
  let ms: number;
  if (typeof v === 'number' && Number.isFinite(v)) ms = v * 1_000;
  // A number in a string ("-1", "300") is seconds, as OLLAMA_KEEP_ALIVE reads it (Go's parser alone would refuse it:
  // no unit). why lenient: clients pass a user's "-1" through as text (Open WebUI's keep-alive field).
  else if (typeof v === 'string' && /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/.test(v.trim())) ms = Number(v.trim()) * 1_000;
  else if (typeof v === 'string' && DURATION.test(v.trim())) {
    const t = v.trim();
    ms = 0;
    for (const [, n, unit] of t.matchAll(PART)) ms += Number(n) * UNIT_MS[unit!]!;
    if (t.startsWith('-')) ms = -ms;
  } else {
    throw new CoreError(
      'invalid_request',
      `keep_alive ${JSON.stringify(v)} is not a duration: send a Go duration such as "5m" or "1h30m", a number of seconds, 0 to unload the model after the request, or a negative value to keep it loaded`,
      { details: { param: 'keep_alive' } },
    );
  }
  if (ms === 0) return { kind: 'unload' };
  // Longer than Go's longest duration (2^63-1 ns, ~292 years) is Ollama's "never" too. why: such a hold's end is past
  // what a Date can hold (1e20 seconds), and /api/ps could not say when it expires.
  if (ms < 0 || ms > MAX_DURATION_MS) return { kind: 'forever' };
  return { kind: 'for', ms };
}

/** What the holds need from the gateway. */
export interface KeepAliveDeps {
  now(): number;
  /**
   * A number that grows whenever `model` is given a call, also across an unload and reload (the engine's dispatch count
   * at its latest call); undefined = not loaded.
   */
  lastUse(model: string): number | undefined;
  /** Free `model`; resolves once it is out of memory. */
  unload(model: string): Promise<void>;
}

/** Models held for a while by keep_alive, with their timers. */
export interface KeepAliveHolds {
  /** After a request to `model` with this keep_alive: a duration sets when it is let go, anything else clears that. */
  apply(model: string, keepAlive: KeepAlive): void;
  /** When `model` will be unloaded (ms since the epoch), or undefined when it stays loaded (used since the hold). */
  expiresAt(model: string): number | undefined;
  /** Stops every timer (the gateway is closing). */
  close(): void;
}

// setTimeout takes at most 2^31-1 ms (~24.8 days); a longer hold is re-armed when that timer fires.
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The holds. A duration holds the model until now + duration; when it lapses, the model is unloaded unless another
 * call used it since (as in Ollama, where every request resets the timer: a request sent without keep_alive, here,
 * restores the default of staying loaded). An unload waits for calls still running on the model.
 */
export function createKeepAliveHolds(deps: KeepAliveDeps): KeepAliveHolds {
  const holds = new Map<string, { until: number; lastUse: number; timer: NodeJS.Timeout }>();
  const drop = (model: string): void => {
    const h = holds.get(model);
    if (h) clearTimeout(h.timer);
    holds.delete(model);
  };
  const arm = (model: string): void => {
    const h = holds.get(model);
    if (!h) return;
    const wait = Math.min(Math.max(0, h.until - deps.now()), MAX_TIMER_MS);
    h.timer = setTimeout(() => lapse(model), wait);
    h.timer.unref();
  };
  const lapse = (model: string): void => {
    const h = holds.get(model);
    if (!h) return;
    if (deps.now() < h.until) return arm(model);
    holds.delete(model);
    const used = deps.lastUse(model);
    // Gone already (unloaded, or pushed out to make room), or used since (even after a reload): nothing to let go.
    if (used === undefined || used !== h.lastUse) return;
    void deps.unload(model).catch(() => undefined);
  };
  return {
    apply(model, keepAlive) {
      drop(model);
      if (keepAlive.kind !== 'for') return;
      const lastUse = deps.lastUse(model);
      if (lastUse === undefined) return;
      holds.set(model, { until: deps.now() + keepAlive.ms, lastUse, timer: undefined as unknown as NodeJS.Timeout });
      arm(model);
    },
    expiresAt(model) {
      const h = holds.get(model);
      // Used since (another API's request, which sends no keep_alive): it stays loaded, so no end to show.
      if (!h || deps.lastUse(model) !== h.lastUse) return undefined;
      return h.until;
    },
    close() {
      for (const model of [...holds.keys()]) drop(model);
    },
  };
}
