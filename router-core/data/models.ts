// Model catalog as data: local GGUF models (seed names) and Claude models, with the routes each can serve.
import type { Route } from '../contracts/decision.js';

/** A model that runs on this machine (embedded llama.cpp or Ollama). */
export interface LocalModelEntry {
  id: string;
  kind: 'local';
  label: string;
  /** Parameter count in billions, for display and RAM estimates. */
  paramsB: number;
  /** Routes this model is fit to serve. */
  routes: readonly Route[];
  /** GGUF file name inside the data dir's models/ folder. */
  file: string;
  /** Tag under which Ollama knows this model. */
  ollamaTag: string;
  /** Context window the model was trained for. */
  contextLength: number;
  /** Resident memory needed to run it at Q4 with a 2k context, in MiB. */
  ramMiB: number;
  aliases: readonly string[];
}

/** A model behind a cloud API. */
export interface CloudModelEntry {
  id: string;
  kind: 'cloud';
  label: string;
  routes: readonly Route[];
  /** The provider's own model id sent on the wire. */
  providerModel: string;
  aliases: readonly string[];
}

export type ModelEntry = LocalModelEntry | CloudModelEntry;

/** The catalog. Order inside each kind is weakest to strongest. */
export const modelCatalog = [
  {
    id: 'tinyllama',
    kind: 'local',
    label: 'TinyLlama 1.1B Chat',
    paramsB: 1.1,
    routes: ['small'],
    file: 'tinyllama-1.1b-chat-v1.0.Q4_K_M.gguf',
    ollamaTag: 'tinyllama:1.1b',
    contextLength: 2048,
    ramMiB: 1100,
    aliases: ['tinyllama-1.1b'],
  },
  {
    id: 'phi2',
    kind: 'local',
    label: 'Phi-2 2.7B',
    paramsB: 2.7,
    routes: ['small', 'medium'],
    file: 'phi-2.Q4_K_M.gguf',
    ollamaTag: 'phi:2.7b',
    contextLength: 2048,
    ramMiB: 2300,
    aliases: ['phi-2'],
  },
  {
    id: 'mistral-7b',
    kind: 'local',
    label: 'Mistral 7B Instruct',
    paramsB: 7.2,
    routes: ['small', 'medium', 'large'],
    file: 'mistral-7b-instruct-v0.2.Q4_K_M.gguf',
    ollamaTag: 'mistral:7b',
    contextLength: 32768,
    ramMiB: 5200,
    aliases: ['mistral'],
  },
  {
    id: 'claude-haiku',
    kind: 'cloud',
    label: 'Claude Haiku 4.5',
    routes: ['cloud'],
    providerModel: 'claude-haiku-4-5',
    aliases: ['claude-haiku-4-5'],
  },
  {
    id: 'claude-sonnet',
    kind: 'cloud',
    label: 'Claude Sonnet 4.6',
    routes: ['cloud'],
    // 4.5 reaches end of life on 2026-11-30 (the SDK warns on every call), so the catalog uses 4.6.
    providerModel: 'claude-sonnet-4-6',
    aliases: ['claude-sonnet-4-6', 'claude'],
  },
  {
    id: 'claude-opus',
    kind: 'cloud',
    label: 'Claude Opus 4.6',
    routes: ['cloud'],
    providerModel: 'claude-opus-4-6',
    aliases: ['claude-opus-4-6'],
  },
] as const satisfies readonly ModelEntry[];

export type ModelId = (typeof modelCatalog)[number]['id'];

/** The cloud model every "all-cloud" counterfactual and every cloud route uses by default. */
export const defaultCloudModel: ModelId = 'claude-sonnet';

export const localModels: readonly LocalModelEntry[] = modelCatalog.filter(
  (m): m is (typeof modelCatalog)[number] & LocalModelEntry => m.kind === 'local',
);
export const cloudModels: readonly CloudModelEntry[] = modelCatalog.filter(
  (m): m is (typeof modelCatalog)[number] & CloudModelEntry => m.kind === 'cloud',
);

/** Resolve an id or alias (case-insensitive) to a catalog entry. */
export function findModel(name: string): ModelEntry | undefined {
  const n = name.trim().toLowerCase();
  return (modelCatalog as readonly ModelEntry[]).find((m) => m.id === n || m.aliases.includes(n));
}
