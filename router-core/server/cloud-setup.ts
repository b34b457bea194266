// The OpenAI-compatible cloud and Vertex AI in force: the environment wins, else what Settings saved; a change rebuilds that engine.
import type { z } from 'zod';
import type { CompatSetupDto, VertexSetupDto } from '../contracts/api.js';
import { cloudEngineOf, type CloudProvider, type EngineId } from '../contracts/decision.js';
import { cloudModelsOf } from '../data/models.js';
import { prices as catalogPrices, type Price } from '../data/prices.js';
import type { Engine } from '../engines/engine.js';
import type { EngineSettings } from '../engines/registry.js';
import { toCoreError, type CoreError } from '../errors.js';
import type { KeyTest } from '../gateway/secrets-api.js';
import type { SettingsView } from '../ledger/settings-view.js';
import { coreSettings, type compatSetup, type vertexSetup } from '../settings-schema.js';
import type { Config } from './config.js';

export type CompatSetupWire = z.infer<typeof compatSetup>;
export type VertexSetupWire = z.infer<typeof vertexSetup>;

type View = Pick<SettingsView, 'getSetting'>;
type CloudConfig = Pick<
  Config,
  | 'cloudCompatUrl'
  | 'cloudCompatModel'
  | 'cloudCompatPrices'
  | 'geminiVertex'
  | 'geminiBaseUrl'
  | 'vertexBaseUrl'
  | 'geminiStudioBaseUrl'
  | 'cloudEnv'
>;

/** The compatible cloud in force: its URL, model, prices (micro-dollars) and how the API shows it. */
export interface CompatInForce {
  url: string;
  model?: string;
  prices?: Record<string, Price>;
  dto: CompatSetupDto;
  /** The environment variables that set it up, when the environment does (what to unset to remove it). */
  env: string[];
}

const usd = (micros: number): number => micros / 1_000_000;
const micros = (usdPerMTok: number): number => Math.round(usdPerMTok * 1_000_000);

/** A cloud provider's cheapest catalog model, by input price (none for the compatible cloud, whose models are its own). */
export function cheapestCatalogModel(p: CloudProvider): string | undefined {
  const price = (id: string): number => (catalogPrices as Record<string, Price>)[id]?.inputPerMTok ?? Infinity;
  return [...cloudModelsOf(p)].sort((a, b) => price(a.id) - price(b.id))[0]?.id;
}

/**
 * One token from `model` on `engine`: proves a key or a setup works for a few micro-dollars. Not in the ledger (a
 * setup check, not a request). An engine error ends as a refusal; a thrown one is the caller's to map.
 */
export async function oneTokenCheck(engine: Engine, model: string, signal: AbortSignal): Promise<KeyTest> {
  const request = { model, messages: [{ role: 'user' as const, content: 'Say OK.' }], params: { maxTokens: 1 } };
  for await (const ev of engine.chat({ request, model, stream: false }, signal)) {
    if (ev.type === 'error') return { ok: false, error_type: ev.error.type, message: ev.error.message };
  }
  return { ok: true };
}

/** HYBRID_AI_CLOUD_COMPAT_URL (with its _MODEL and _PRICES) wins; else the setup saved in Settings; else none. */
export function compatInForce(config: CloudConfig, view: View): CompatInForce | undefined {
  const saved = view.getSetting<CompatSetupWire | null>(coreSettings.cloudCompat.key) ?? undefined;
  const fromEnv = config.cloudCompatUrl !== undefined;
  const url = config.cloudCompatUrl ?? saved?.url;
  if (!url) return undefined;
  // A saved model and price belong to the saved URL: an environment URL brings its own.
  const own = fromEnv ? undefined : saved;
  const model = config.cloudCompatModel ?? own?.model;
  const savedPrices: Record<string, Price> =
    own?.prices && own.model
      ? {
          [own.model]: {
            inputPerMTok: micros(own.prices.input),
            outputPerMTok: micros(own.prices.output),
            ...(own.prices.cached_input === undefined ? {} : { cachedInputPerMTok: micros(own.prices.cached_input) }),
          },
        }
      : {};
  const merged = { ...savedPrices, ...config.cloudCompatPrices };
  const prices = Object.keys(merged).length > 0 ? merged : undefined;
  const shown = model ? prices?.[model] : undefined;
  return {
    url,
    model,
    prices,
    env: fromEnv ? (config.cloudEnv?.compat ?? ['HYBRID_AI_CLOUD_COMPAT_URL']) : [],
    dto: {
      url,
      model: model ?? '',
      prices: shown
        ? {
            input: usd(shown.inputPerMTok),
            output: usd(shown.outputPerMTok),
            ...(shown.cachedInputPerMTok === undefined ? {} : { cached_input: usd(shown.cachedInputPerMTok) }),
          }
        : null,
      allow_http: own?.allow_http === true,
      source: fromEnv ? 'env' : 'settings',
      env_fields: [
        ...(fromEnv ? (['url'] as const) : []),
        ...(config.cloudCompatModel ? (['model'] as const) : []),
        ...(config.cloudCompatPrices ? (['prices'] as const) : []),
      ],
    },
  };
}

/** Vertex AI in force: GOOGLE_GENAI_USE_VERTEXAI (with GOOGLE_CLOUD_*) wins; else the setup saved in Settings; else none. */
export function vertexInForce(
  config: CloudConfig,
  view: View,
): { project: string; location: string; credentialsFile?: string; dto: VertexSetupDto; env: string[] } | undefined {
  const env = config.geminiVertex;
  const saved = env ? undefined : (view.getSetting<VertexSetupWire | null>(coreSettings.cloudVertex.key) ?? undefined);
  const v = env ?? (saved && { project: saved.project, location: saved.location, credentialsFile: saved.credentials_file ?? undefined });
  if (!v) return undefined;
  return {
    project: v.project,
    location: v.location,
    ...(v.credentialsFile ? { credentialsFile: v.credentialsFile } : {}),
    // The environment's: the variables that set it (what to unset to remove it).
    env: env ? (config.cloudEnv?.vertex ?? ['GOOGLE_GENAI_USE_VERTEXAI']) : [],
    dto: {
      project: v.project,
      location: v.location,
      credentials: v.credentialsFile ? 'service-account-file' : 'application-default',
      credentials_file: v.credentialsFile ?? null,
      source: env ? 'env' : 'settings',
    },
  };
}

/** The engine settings these two decide (the rest of EngineSettings comes from the config alone). */
export function cloudEngineSettings(
  config: CloudConfig,
  view: View,
): Pick<EngineSettings, 'geminiVertex' | 'geminiBaseUrl' | 'cloudCompatUrl'> {
  const v = vertexInForce(config, view);
  // GOOGLE_VERTEX_BASE_URL serves Vertex AI, GOOGLE_GEMINI_BASE_URL AI Studio, whichever turned Vertex AI on.
  const base = v
    ? (config.vertexBaseUrl ?? (config.geminiVertex ? config.geminiBaseUrl : undefined))
    : (config.geminiStudioBaseUrl ?? (config.geminiVertex ? undefined : config.geminiBaseUrl));
  return {
    geminiVertex: v && { project: v.project, location: v.location, ...(v.credentialsFile ? { credentialsFile: v.credentialsFile } : {}) },
    geminiBaseUrl: base,
    cloudCompatUrl: compatInForce(config, view)?.url,
  };
}

/** Providers whose setup Settings can change. */
export type SetupProvider = Extract<CloudProvider, 'compat' | 'gemini'>;

/** The setups and the engines they build, for the cloud API. */
export interface CloudSetup {
  compat(): CompatInForce | undefined;
  vertex(): ReturnType<typeof vertexInForce>;
  /** Rebuild `p`'s engine from the setup now saved; requests in flight finish on the old engine. */
  apply(p: SetupProvider): Promise<void>;
  /** One token through `p`'s engine as it now stands (a setup check, not in the ledger). */
  test(p: SetupProvider, signal: AbortSignal): Promise<KeyTest>;
  /** The models a compatible cloud at `url` lists with `key` (empty with the reason when it does not answer). */
  listModels(url: string, key: string | undefined, signal: AbortSignal): Promise<{ models: string[]; error: string | null }>;
  /** Close the engines replaced since start (at shutdown: whatever they still run is cut like the rest). */
  close(): Promise<void>;
}

/**
 * `settings` is the core's one EngineSettings object: its compat and Vertex fields are updated in place so every later
 * engine (and key test) sees the setup in force. `rebuild` false: engines were injected (tests), only settings change.
 */
export function createCloudSetup(deps: {
  config: CloudConfig;
  view: View;
  settings: EngineSettings;
  engines: Map<EngineId, Engine>;
  /** The engine `id` built from `settings`, or null where it cannot exist (wiring.ts: the registry's factory). */
  build(id: EngineId, settings: EngineSettings): Engine | null;
  refresh(): Promise<unknown>;
  /** `p`'s setup was just saved or removed (before its engine is rebuilt and probed). */
  changed?(p: SetupProvider): void;
  /** {@link CloudSetup.test}'s call to `p` failed with `err` (a refused key or model is remembered like a request's). */
  failed?(p: SetupProvider, err: CoreError): void;
  rebuild: boolean;
  /**
   * Every this many ms, rebuild what another gateway sharing the ledger changed (its settings reach this view within
   * a second, its engines do not); absent: only this process writes the settings, so {@link CloudSetup.apply} suffices.
   */
  syncEveryMs?: number;
}): CloudSetup {
  const { config, view, settings, engines } = deps;
  const retired: Engine[] = [];
  const fingerprint = (): string => JSON.stringify(cloudEngineSettings(config, view));
  let applied = fingerprint();
  const setup: CloudSetup = {
    compat: () => compatInForce(config, view),
    vertex: () => vertexInForce(config, view),
    async apply(p) {
      deps.changed?.(p);
      Object.assign(settings, cloudEngineSettings(config, view));
      applied = fingerprint();
      if (deps.rebuild) {
        const id = cloudEngineOf[p];
        const next = deps.build(id, settings);
        const old = engines.get(id);
        if (next) engines.set(id, next);
        else engines.delete(id);
        // Not closed now: close() cuts the calls it runs, and those finish on it.
        if (old) retired.push(old);
      }
      await deps.refresh();
    },
    async test(p, signal) {
      const engine = engines.get(cloudEngineOf[p]);
      if (!engine)
        return {
          ok: false,
          error_type: 'no_model_available',
          message: `No ${p === 'compat' ? 'compatible cloud' : 'Gemini'} engine is set up.`,
        };
      try {
        const model =
          p === 'compat' ? compatInForce(config, view)?.model || (await engine.probe()).models[0] : cheapestCatalogModel('gemini');
        if (!model) return { ok: false, error_type: 'no_model_available', message: 'The provider lists no model to test with.' };
        return await oneTokenCheck(engine, model, signal);
      } catch (e) {
        const err = toCoreError(e);
        if (err.type !== 'aborted' && err.type !== 'timeout') deps.failed?.(p, err);
        return { ok: false, error_type: err.type, message: err.message };
      }
    },
    async listModels(url, key, signal) {
      // A keyless server (a proxy on the network) is asked with a placeholder: one that needs a key says so.
      const engine = deps.build('cloud-compat', { ...settings, cloudCompatUrl: url, cloudCompatKey: () => key || 'no-key' });
      if (!engine) return { models: [], error: 'This core has no OpenAI-compatible cloud engine.' };
      const onAbort = (): void => void engine.close();
      signal.addEventListener('abort', onAbort, { once: true });
      try {
        const a = await engine.probe();
        return a.ok ? { models: [...a.models], error: null } : { models: [], error: a.reason ?? 'The provider listed no models.' };
      } finally {
        signal.removeEventListener('abort', onAbort);
        await engine.close().catch(() => undefined);
      }
    },
    async close() {
      if (timer) clearInterval(timer);
      await Promise.allSettled(retired.map((e) => e.close()));
    },
  };
  let syncing = false;
  const timer =
    deps.syncEveryMs === undefined
      ? undefined
      : setInterval(() => {
          if (syncing || fingerprint() === applied) return;
          syncing = true;
          void Promise.all([setup.apply('compat'), setup.apply('gemini')])
            .catch(() => undefined)
            .finally(() => (syncing = false));
        }, deps.syncEveryMs);
  timer?.unref();
  return setup;
}
