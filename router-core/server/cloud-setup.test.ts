// Which compatible cloud and Vertex AI setup is in force: the environment's over the saved one, field by field for the compatible cloud.
import { describe, expect, it, vi } from 'vitest';
import type { EngineId } from '../contracts/decision.js';
import type { Engine } from '../engines/engine.js';
import { engineFactories, type EngineSettings } from '../engines/registry.js';
import { coreSettings } from '../settings-schema.js';
import { cloudEngineSettings, compatInForce, createCloudSetup, vertexInForce } from './cloud-setup.js';

const view = (values: Record<string, unknown>) => ({ getSetting: <T>(k: string) => values[k] as T | undefined });
const saved = view({
  [coreSettings.cloudCompat.key]: { url: 'https://saved.example/v1', model: 'saved-model', prices: { input: 0.5, output: 1.5 } },
  [coreSettings.cloudVertex.key]: { project: 'saved-proj', location: 'europe-west4', credentials_file: '/k/sa.json' },
});

describe('the compatible cloud in force', () => {
  it('none without a URL anywhere', () => {
    expect(compatInForce({}, view({}))).toBeUndefined();
  });

  it('the saved setup, its price in micro-dollars for its model', () => {
    const c = compatInForce({}, saved)!;
    expect(c).toMatchObject({ url: 'https://saved.example/v1', model: 'saved-model' });
    expect(c.prices).toEqual({ 'saved-model': { inputPerMTok: 500_000, outputPerMTok: 1_500_000 } });
    expect(c.dto).toMatchObject({ source: 'settings', env_fields: [], prices: { input: 0.5, output: 1.5 } });
  });

  it('an environment URL wins, with its own model and prices: none of the saved ones', () => {
    const c = compatInForce({ cloudCompatUrl: 'https://env.example/v1' }, saved)!;
    expect(c).toMatchObject({ url: 'https://env.example/v1', model: undefined, prices: undefined });
    expect(c.dto).toMatchObject({ source: 'env', env_fields: ['url'], model: '', prices: null });
  });

  it('an environment model or price list wins over the saved one field by field', () => {
    const p = { inputPerMTok: 1, outputPerMTok: 2 };
    const c = compatInForce({ cloudCompatModel: 'env-model', cloudCompatPrices: { 'env-model': p } }, saved)!;
    expect(c).toMatchObject({ url: 'https://saved.example/v1', model: 'env-model' });
    expect(c.prices).toMatchObject({ 'env-model': p, 'saved-model': { inputPerMTok: 500_000 } });
    expect(c.dto.env_fields).toEqual(['model', 'prices']);
  });
});

describe('Vertex AI in force', () => {
  it('the environment wins over the saved setup; the base URL follows whichever API is on', () => {
    const env = {
      geminiVertex: { project: 'env-proj', location: 'us-central1' },
      vertexBaseUrl: 'http://v',
      geminiStudioBaseUrl: 'http://s',
    };
    expect(vertexInForce(env, saved)!.dto).toEqual({
      project: 'env-proj',
      location: 'us-central1',
      credentials: 'application-default',
      credentials_file: null,
      source: 'env',
    });
    expect(vertexInForce({}, saved)!.dto).toMatchObject({ project: 'saved-proj', credentials: 'service-account-file', source: 'settings' });
    expect(cloudEngineSettings({ vertexBaseUrl: 'http://v', geminiStudioBaseUrl: 'http://s' }, saved)).toMatchObject({
      geminiVertex: { project: 'saved-proj', location: 'europe-west4', credentialsFile: '/k/sa.json' },
      geminiBaseUrl: 'http://v',
    });
    expect(cloudEngineSettings({ vertexBaseUrl: 'http://v', geminiStudioBaseUrl: 'http://s' }, view({}))).toMatchObject({
      geminiVertex: undefined,
      geminiBaseUrl: 'http://s',
    });
  });
});

describe('a ledger shared with other gateways', () => {
  it("another gateway's saved setup rebuilds the engine here too, once it reaches the settings", async () => {
    const values: Record<string, unknown> = {};
    const engines = new Map<EngineId, Engine>();
    const settings: EngineSettings = { modelFiles: {}, ollamaHost: '127.0.0.1:1', cloudCompatKey: () => undefined };
    const refresh = vi.fn(async () => undefined);
    const setup = createCloudSetup({
      config: {},
      view: view(values),
      settings,
      engines,
      build: (id, s) => engineFactories[id]?.(s) ?? null,
      refresh,
      rebuild: true,
      syncEveryMs: 5,
    });
    try {
      expect(engines.has('cloud-compat')).toBe(false);
      values[coreSettings.cloudCompat.key] = { url: 'https://one.example/v1', model: 'm' };
      await vi.waitFor(() => expect(engines.has('cloud-compat')).toBe(true));
      expect(settings.cloudCompatUrl).toBe('https://one.example/v1');
      const first = engines.get('cloud-compat');
      values[coreSettings.cloudCompat.key] = { url: 'https://two.example/v1', model: 'm' };
      await vi.waitFor(() => expect(engines.get('cloud-compat')).not.toBe(first));
      expect(settings.cloudCompatUrl).toBe('https://two.example/v1');
      values[coreSettings.cloudCompat.key] = null;
      await vi.waitFor(() => expect(engines.has('cloud-compat')).toBe(false));
      expect(refresh).toHaveBeenCalled();
    } finally {
      await setup.close();
    }
  });
});
