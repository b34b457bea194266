// Cloud providers in the config: each SDK's own environment names, HYBRID_AI_CLOUD, Vertex AI; errors name the variable, never a key.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../router-core/server/config.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'hai-cloud-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const load = (env: NodeJS.ProcessEnv = {}): Config => loadConfig(['--data-dir', dir], env) as Config;
const refusal = (env: NodeJS.ProcessEnv): string => {
  try {
    load(env);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('accepted');
};

describe('cloud providers in the config', () => {
  it('none but Claude by default', () => {
    expect(load()).toMatchObject({
      openaiApiKey: undefined,
      geminiApiKey: undefined,
      geminiVertex: undefined,
      cloudCompatUrl: undefined,
      cloud: undefined,
    });
  });

  it('reads OPENAI_API_KEY/OPENAI_BASE_URL, GEMINI_API_KEY (or their _FILE) and the compatible cloud', () => {
    const keyFile = path.join(dir, 'gemini');
    writeFileSync(keyFile, 'AIzaSyFromTheFile0000000000000000000\n');
    const c = load({
      OPENAI_API_KEY: 'sk-proj-abc',
      OPENAI_BASE_URL: 'https://proxy.example/v1',
      GEMINI_API_KEY_FILE: keyFile,
      HYBRID_AI_CLOUD_COMPAT_URL: 'https://openrouter.ai/api/v1',
      HYBRID_AI_CLOUD_COMPAT_KEY: 'sk-or-v1-xyz',
      HYBRID_AI_CLOUD_COMPAT_MODEL: 'deepseek/deepseek-chat',
      HYBRID_AI_CLOUD: 'Gemini',
    });
    expect(c).toMatchObject({
      openaiApiKey: 'sk-proj-abc',
      openaiBaseUrl: 'https://proxy.example/v1',
      geminiApiKey: 'AIzaSyFromTheFile0000000000000000000',
      cloudCompatUrl: 'https://openrouter.ai/api/v1',
      cloudCompatKey: 'sk-or-v1-xyz',
      cloudCompatModel: 'deepseek/deepseek-chat',
      cloud: 'gemini',
    });
  });

  it('Vertex AI needs a project and a location; the credentials file is optional (else application-default credentials)', () => {
    const c = load({
      GOOGLE_GENAI_USE_VERTEXAI: 'true',
      GOOGLE_CLOUD_PROJECT: 'my-proj',
      GOOGLE_CLOUD_LOCATION: 'us-central1',
      GOOGLE_APPLICATION_CREDENTIALS: 'sa.json',
    });
    expect(c.geminiVertex).toEqual({ project: 'my-proj', location: 'us-central1', credentialsFile: path.resolve('sa.json') });
    expect(load({ GOOGLE_GENAI_USE_VERTEXAI: '1', GOOGLE_CLOUD_PROJECT: 'p', GOOGLE_CLOUD_LOCATION: 'global' }).geminiVertex).toEqual({
      project: 'p',
      location: 'global',
    });
    expect(refusal({ GOOGLE_GENAI_USE_VERTEXAI: 'true', GOOGLE_CLOUD_PROJECT: 'p' })).toMatch(/GOOGLE_CLOUD_LOCATION is not set/);
    expect(refusal({ GOOGLE_GENAI_USE_VERTEXAI: 'true' })).toMatch(/GOOGLE_CLOUD_PROJECT and GOOGLE_CLOUD_LOCATION are not set/);
  });

  it('refuses what cannot work, naming the variable and what is valid, never echoing a key', () => {
    expect(refusal({ HYBRID_AI_CLOUD: 'mistral' })).toMatch(/HYBRID_AI_CLOUD: "mistral". Valid: anthropic, openai, gemini, compat/);
    expect(refusal({ HYBRID_AI_CLOUD_COMPAT_URL: 'ftp://x' })).toMatch(/HYBRID_AI_CLOUD_COMPAT_URL/);
    expect(refusal({ OPENAI_BASE_URL: 'not a url' })).toMatch(/OPENAI_BASE_URL/);
    const m = refusal({ HYBRID_AI_CLOUD_COMPAT_KEY: 'sk-secret-compat-key' });
    expect(m).toMatch(/HYBRID_AI_CLOUD_COMPAT_URL is not/);
    expect(m).not.toContain('sk-secret-compat-key');
  });
});
