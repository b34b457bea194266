// Model catalog as data: local GGUF models (seed names + newer ones of the same sizes) and Claude models.
import type { Route, Tier } from '../contracts/decision.js';

/** A local route (rung of a tier's ladder). */
export type LocalRoute = Exclude<Route, 'cloud'>;

/** A model that runs on this machine (embedded llama.cpp or Ollama). */
export interface LocalModelEntry {
  id: string;
  kind: 'local';
  label: string;
  /** Parameter count in billions, for display and RAM estimates. */
  paramsB: number;
  /** Routes this model is fit to serve. */
  routes: readonly Route[];
  /** GGUF file name inside the data dir's models/ folder; the only name a download may write. */
  file: string;
  /** Where the GGUF is downloaded from (Hugging Face `resolve/main` URL; a mirror may replace the host). */
  url: string;
  /** Exact file size in bytes (checked before and after download, and against free disk space). */
  sizeBytes: number;
  /** SHA-256 of the file, lowercase hex (the Hugging Face LFS oid); a download must match it before use. */
  sha256: string;
  /** llama.cpp quantisation of the file. */
  quantization: 'Q4_K_M';
  /** Licence of the weights (SPDX id where one exists), shown before a download. */
  licence: string;
  /** The rung of the ladder this model fills; tiers take their ladder from this field (data/tiers.ts). */
  ladderRoute: LocalRoute;
  /** Lowest machine tier whose RAM runs it beside the rest of its ladder. */
  minTier: Tier;
  /** Tag under which Ollama knows this model. */
  ollamaTag: string;
  /** Context window the model was trained for. */
  contextLength: number;
  /** Resident memory needed to run it at Q4 with a 2k context, in MiB. */
  ramMiB: number;
  /** Trained for function calling (its chat template has tool turns); absent = no. Requests with tools only go to such models. */
  supportsTools?: boolean;
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
  /** Takes `tools` and answers with tool calls; absent = no. */
  supportsTools?: boolean;
  /** Context window in tokens (prompt + answer), as the provider documents it. */
  contextLength: number;
  aliases: readonly string[];
}

export type ModelEntry = LocalModelEntry | CloudModelEntry;

/**
 * The catalog. Local models: the seed's three (weakest to strongest), then newer alternates; within a rung of a
 * ladder the catalog order is the preference order. Sizes and SHA-256 sums are the Hugging Face LFS values of the
 * named files (each cross-checked against several independent published copies).
 */
export const modelCatalog = [
  {
    id: 'tinyllama',
    kind: 'local',
    label: 'TinyLlama 1.1B Chat',
    paramsB: 1.1,
    routes: ['small'],
    file: 'tinyllama-1.1b-chat-v1.0.Q4_K_M.gguf',
    url: 'https://huggingface.co/TheBloke/TinyLlama-1.1B-Chat-v1.0-GGUF/resolve/main/tinyllama-1.1b-chat-v1.0.Q4_K_M.gguf',
    sizeBytes: 668_788_096,
    sha256: '9fecc3b3cd76bba89d504f29b616eedf7da85b96540e490ca5824d3f7d2776a0',
    quantization: 'Q4_K_M',
    licence: 'Apache-2.0',
    ladderRoute: 'small',
    minTier: 1,
    ollamaTag: 'tinyllama:1.1b',
    contextLength: 2048,
    ramMiB: 1100,
    // A 2023 chat model without tool turns in its template.
    supportsTools: false,
    aliases: ['tinyllama-1.1b'],
  },
  {
    id: 'phi2',
    kind: 'local',
    label: 'Phi-2 2.7B',
    paramsB: 2.7,
    routes: ['small', 'medium'],
    file: 'phi-2.Q4_K_M.gguf',
    url: 'https://huggingface.co/TheBloke/phi-2-GGUF/resolve/main/phi-2.Q4_K_M.gguf',
    sizeBytes: 1_789_239_136,
    sha256: '324356668fa5ba9f4135de348447bb2bbe2467eaa1b8fcfb53719de62fbd2499',
    quantization: 'Q4_K_M',
    licence: 'MIT',
    ladderRoute: 'medium',
    minTier: 2,
    ollamaTag: 'phi:2.7b',
    contextLength: 2048,
    ramMiB: 2300,
    // A base model with no chat or tool template.
    supportsTools: false,
    aliases: ['phi-2'],
  },
  {
    id: 'mistral-7b',
    kind: 'local',
    label: 'Mistral 7B Instruct',
    paramsB: 7.2,
    routes: ['small', 'medium', 'large'],
    file: 'mistral-7b-instruct-v0.2.Q4_K_M.gguf',
    url: 'https://huggingface.co/TheBloke/Mistral-7B-Instruct-v0.2-GGUF/resolve/main/mistral-7b-instruct-v0.2.Q4_K_M.gguf',
    sizeBytes: 4_368_439_584,
    sha256: '3e0039fd0273fcbebb49228943b17831aadd55cbcbf56f0af00499be2040ccf9',
    quantization: 'Q4_K_M',
    licence: 'Apache-2.0',
    ladderRoute: 'large',
    minTier: 3,
    ollamaTag: 'mistral:7b',
    contextLength: 32768,
    ramMiB: 5200,
    // Instruct v0.2 has no tool-call tokens (they arrived in v0.3).
    supportsTools: false,
    aliases: ['mistral'],
  },
  // Newer models of the seed's sizes. They follow the seed model of their rung in the ladder: the seed names stay
  // the default (DESIGN.md's tier table), and a machine that has only the newer file still answers locally.
  {
    id: 'qwen2.5-1.5b',
    kind: 'local',
    label: 'Qwen2.5 1.5B Instruct',
    paramsB: 1.5,
    routes: ['small'],
    file: 'qwen2.5-1.5b-instruct-q4_k_m.gguf',
    url: 'https://huggingface.co/Qwen/Qwen2.5-1.5B-Instruct-GGUF/resolve/main/qwen2.5-1.5b-instruct-q4_k_m.gguf',
    sizeBytes: 1_117_320_736,
    sha256: '6a1a2eb6d15622bf3c96857206351ba97e1af16c30d7a74ee38970e434e9407e',
    quantization: 'Q4_K_M',
    licence: 'Apache-2.0',
    ladderRoute: 'small',
    // 1.1 GB of weights + runtime does not fit beside the OS on a 2 GB machine: tier 2 and up.
    minTier: 2,
    ollamaTag: 'qwen2.5:1.5b',
    contextLength: 32768,
    ramMiB: 1500,
    // Qwen2.5 Instruct's chat template has <tool_call> turns.
    supportsTools: true,
    aliases: ['qwen2.5-1.5b-instruct'],
  },
  {
    id: 'llama-3.2-3b',
    kind: 'local',
    label: 'Llama 3.2 3B Instruct',
    paramsB: 3.2,
    routes: ['small', 'medium'],
    file: 'Llama-3.2-3B-Instruct-Q4_K_M.gguf',
    url: 'https://huggingface.co/bartowski/Llama-3.2-3B-Instruct-GGUF/resolve/main/Llama-3.2-3B-Instruct-Q4_K_M.gguf',
    sizeBytes: 2_019_377_696,
    sha256: '6c1a2b41161032677be168d354123594c0e6e67d2b9227c84f296ad037c728ff',
    quantization: 'Q4_K_M',
    licence: 'Llama-3.2-Community-License',
    ladderRoute: 'medium',
    minTier: 2,
    ollamaTag: 'llama3.2:3b',
    // The model supports 128k; the embedded engine uses a much smaller window (RAM), this is the model's limit.
    contextLength: 131072,
    ramMiB: 2600,
    // Llama 3.2 Instruct was trained for function calling (ipython/tool turns).
    supportsTools: true,
    aliases: ['llama3.2-3b', 'llama-3.2-3b-instruct'],
  },
  {
    id: 'claude-haiku',
    kind: 'cloud',
    label: 'Claude Haiku 4.5',
    routes: ['cloud'],
    providerModel: 'claude-haiku-4-5',
    supportsTools: true,
    // Anthropic's documented window for every current Claude model (1M is a beta option this product does not ask for).
    contextLength: 200_000,
    aliases: ['claude-haiku-4-5'],
  },
  {
    id: 'claude-sonnet',
    kind: 'cloud',
    label: 'Claude Sonnet 4.6',
    routes: ['cloud'],
    // 4.5 reaches end of life on 2026-11-30 (the SDK warns on every call), so the catalog uses 4.6.
    providerModel: 'claude-sonnet-4-6',
    supportsTools: true,
    // Anthropic's documented window for every current Claude model (1M is a beta option this product does not ask for).
    contextLength: 200_000,
    aliases: ['claude-sonnet-4-6', 'claude'],
  },
  {
    id: 'claude-opus',
    kind: 'cloud',
    label: 'Claude Opus 4.6',
    routes: ['cloud'],
    providerModel: 'claude-opus-4-6',
    supportsTools: true,
    // Anthropic's documented window for every current Claude model (1M is a beta option this product does not ask for).
    contextLength: 200_000,
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

/** Resolve an id or alias to a local (downloadable) catalog entry; undefined for cloud models and unknown names. */
export function findLocalModel(name: string): LocalModelEntry | undefined {
  const m = findModel(name);
  return m?.kind === 'local' ? m : undefined;
}
