// Cached engine probes: decisions read the last probe (stale-while-revalidate), failures force a re-probe.
import type { Availability, EngineId } from '../contracts/decision.js';
import type { Engine } from './engine.js';

export interface AvailabilityCache {
  get(): Promise<Availability>;
  invalidate(engine?: EngineId): void;
  /** Probe now and resolve with the fresh result (after a change the next request must see, e.g. a saved key). */
  refresh(): Promise<Availability>;
}

/**
 * Probes every engine at most once per `ttlMs` (default 5 s: an Ollama that starts is noticed quickly, and a
 * request never waits on a probe once the first one finished, because stale results are served while refreshing).
 */
export function createAvailabilityCache(engines: ReadonlyMap<EngineId, Engine>, now: () => number, ttlMs = 5_000): AvailabilityCache {
  let value: Availability | undefined;
  let valuePromise: Promise<Availability> | undefined;
  let at = 0;
  let refreshing: Promise<Availability> | undefined;

  const refresh = (): Promise<Availability> => {
    refreshing ??= (async () => {
      const entries = await Promise.all(
        [...engines].map(
          async ([id, e]) => [id, await e.probe().catch((err: unknown) => ({ ok: false, models: [], reason: String(err) }))] as const,
        ),
      );
      value = { engines: Object.fromEntries(entries) };
      valuePromise = Promise.resolve(value);
      at = now();
      return value;
    })().finally(() => {
      refreshing = undefined;
    });
    return refreshing;
  };

  return {
    get(): Promise<Availability> {
      if (!valuePromise) return refresh();
      if (now() - at > ttlMs) void refresh();
      return valuePromise;
    },
    invalidate(): void {
      at = 0;
    },
    async refresh(): Promise<Availability> {
      // A probe already in flight may have read the state from before the change: wait for it, then probe again.
      if (refreshing) await refreshing.catch(() => undefined);
      return refresh();
    },
  };
}
