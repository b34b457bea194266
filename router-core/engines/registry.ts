// Engine registry: adding an engine is one file in this folder and one line here.
import type { EngineId } from '../contracts/decision.js';
import type { Engine } from './engine.js';
import { createAnthropicEngine } from './anthropic.js';
import { createGeminiEngine } from './gemini.js';
import { createLlamaCppEngine } from './llamacpp.js';
import { createOllamaEngine, OLLAMA_KEEP_ALIVE } from './ollama.js';
import { createOpenAICloudEngine } from './openai.js';
import { createOpenAICompatEngine } from './openai-compat.js';

/** What the composition root knows when it builds engines. */
export interface EngineSettings {
  /** Catalog model id → GGUF path for the embedded engine. */
  modelFiles: Record<string, string>;
  /** HYBRID_AI_LOCAL_MODEL: the one file's name, under which the embedded engine answers every local model. */
  servesAllLocalAs?: string;
  threads?: number;
  /** Answers per local model at once (read when a model loads, so it follows the tier). */
  parallel?: () => number;
  /** Requests that may wait per local model before a 503. */
  queueLimit?: number;
  ollamaHost: string;
  /** The Claude key, or a getter so a key saved at run time is used at once. */
  anthropicApiKey?: string | (() => string | undefined);
  anthropicBaseUrl?: string;
  /** HYBRID_AI_OPENAI_COMPAT_URL: an OpenAI-compatible server (LM Studio, llama-server, vLLM). */
  openaiCompatUrl?: string;
  openaiCompatModel?: string;
  /** The OpenAI key (OPENAI_API_KEY or the keychain), a getter like the Claude key's. */
  openaiApiKey?: () => string | undefined;
  openaiBaseUrl?: string;
  /** The Gemini (AI Studio) key, a getter; or `geminiVertex` for Vertex AI. */
  geminiApiKey?: () => string | undefined;
  geminiVertex?: { project: string; location: string; credentialsFile?: string };
  geminiBaseUrl?: string;
  /** An OpenAI-compatible cloud: base URL (HYBRID_AI_CLOUD_COMPAT_URL) and key getter; no URL = no engine. */
  cloudCompatUrl?: string;
  cloudCompatKey?: () => string | undefined;
}

/** Each factory returns an engine, or null when it cannot exist in this configuration. */
export const engineFactories: Partial<Record<EngineId, (s: EngineSettings) => Engine | null>> = {
  llamacpp: (s) =>
    createLlamaCppEngine({
      modelFiles: s.modelFiles,
      servesAllLocalAs: s.servesAllLocalAs,
      threads: s.threads,
      sequences: s.parallel,
      queueLimit: s.queueLimit,
    }),
  ollama: (s) => createOllamaEngine({ host: s.ollamaHost, keepAlive: OLLAMA_KEEP_ALIVE }),
  'openai-compat': (s) =>
    s.openaiCompatUrl ? createOpenAICompatEngine({ baseURL: s.openaiCompatUrl, serveAllLocalAs: s.openaiCompatModel }) : null,
  anthropic: (s) => createAnthropicEngine({ apiKey: s.anthropicApiKey, baseURL: s.anthropicBaseUrl }),
  gemini: (s) =>
    s.geminiVertex || s.geminiApiKey
      ? createGeminiEngine({ apiKey: s.geminiApiKey, vertex: s.geminiVertex, baseURL: s.geminiBaseUrl })
      : null,
  openai: (s) => (s.openaiApiKey ? createOpenAICloudEngine({ id: 'openai', apiKey: s.openaiApiKey, baseURL: s.openaiBaseUrl }) : null),
  'cloud-compat': (s) =>
    s.cloudCompatUrl
      ? createOpenAICloudEngine({ id: 'cloud-compat', apiKey: s.cloudCompatKey ?? (() => undefined), baseURL: s.cloudCompatUrl })
      : null,
};
