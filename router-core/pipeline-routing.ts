// The routing features the pipeline uses when wiring provides them: the response cache and the cascade settings.
import type { RoutingStore } from './ledger/routing-store.js';
import type { SettingsView } from './ledger/settings-view.js';
import { createResponseCache, type Embedder, type ResponseCache } from './response-cache.js';
import { readRoutingSettings } from './routing-settings.js';
import type { CascadeConfig } from './routing/cascade.js';

/** Optional routing features the pipeline uses when wiring provides them. (Budget reservations are a ledger operation.) */
export interface RoutingExtras {
  cache?: ResponseCache;
  /** Cascade settings (a request's own `cascade` flag overrides `enabled`). */
  cascade?(): CascadeConfig;
}

/**
 * The extras as wiring builds them: settings read from the settings view on each request, the cache in the ledger,
 * and (when given) an embedder for the semantic cache.
 */
export function createRoutingExtras(deps: {
  store: RoutingStore;
  settings: Pick<SettingsView, 'getSetting'>;
  now(): number;
  embed?: (texts: readonly string[], signal: AbortSignal) => Promise<{ embeddings: number[][] }>;
  /** History on (or not given): cached answers are stored readable; off: sealed (response-cache.ts). */
  history?: () => boolean;
}): RoutingExtras {
  const embed: Embedder | undefined = deps.embed
    ? async (text, signal) => Float32Array.from((await deps.embed!([text], signal)).embeddings[0] ?? [])
    : undefined;
  return {
    cache: createResponseCache({
      store: deps.store,
      now: deps.now,
      config: () => readRoutingSettings(deps.settings).cache,
      embed,
      sealed: () => deps.history !== undefined && !deps.history(),
    }),
    cascade: () => readRoutingSettings(deps.settings).cascade,
  };
}
