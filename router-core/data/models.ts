// Model catalog as data: local GGUF models (seed names + newer ones of the same sizes) and cloud models (Claude, GPT, Gemini).
import type { CloudProvider, Route, Tier } from '../contracts/decision.js';
import { minTierFor, ramNeed, type ModelShape } from './memory.js';

/** A local route (rung of a tier's ladder). */
export type LocalRoute = Exclude<Route, 'cloud'>;

/** A model's licence: an SPDX id, or a named custom licence that is not permissive (shown as such everywhere). */
export type Licence =
  | { spdx: string; url: string }
  | {
      /** The licence's own name; it has no SPDX id. */
      custom: string;
      url: string;
      /** What makes it not permissive, in a few words (shown beside the name). */
      terms: string;
    };

/** Public benchmark evidence for placing a model on its rung, cited beside the entry. */
export interface Evidence {
  /** One line a user reads in the recommendation ("GSM-Plus 68.3 without thinking, …"). */
  summary: string;
  /** Where the numbers come from (model card section, report, leaderboard). */
  source: string;
}

/** A model that runs on this machine (embedded llama.cpp or Ollama). */
export interface LocalModelEntry {
  id: string;
  kind: 'local';
  label: string;
  /** Parameter count in billions, for display. */
  paramsB: number;
  /** Routes this model is fit to serve. */
  routes: readonly Route[];
  /** GGUF file name inside the data dir's models/ folder; the only name a download may write. */
  file: string;
  /** Hugging Face repository the file comes from (`owner/name`). */
  repo: string;
  /** The repository commit the file is pinned to (40 hex): `main` can change under the same name. */
  revision: string;
  /** `https://huggingface.co/<repo>/resolve/<revision>/<file>` (a mirror may replace the host). */
  url: string;
  /** Exact file size in bytes (checked before and after download, and against free disk space). */
  sizeBytes: number;
  /** SHA-256 of the file, lowercase hex (the Hugging Face LFS oid); a download must match it before use. */
  sha256: string;
  /** llama.cpp quantisation of the file. */
  quantization: 'Q4_K_M';
  /** The GGUF's architecture and the dimensions its memory need is derived from (data/memory.ts). */
  shape: ModelShape;
  /** Licence of the weights, shown before a download. */
  licence: Licence;
  /** The rung of the ladder this model fills; tiers take their ladder from this field (data/tiers.ts). */
  ladderRoute: LocalRoute;
  /** Lowest machine tier whose per-model memory budget holds `ramMiB` (derived, data/memory.ts). */
  minTier: Tier;
  /** Tag under which Ollama knows this model. */
  ollamaTag: string;
  /** What Ollama's tag is compared with the catalog's file (the same file, or the same model in another build). */
  ollamaBuild: 'same-file' | 'q4_0' | 'same-quant-other-build';
  /** Context window the model was trained for. */
  contextLength: number;
  /** Resident memory needed to serve it at the engine's context, in MiB (derived by ramNeed, data/memory.ts). */
  ramMiB: number;
  /** Trained for function calling (its chat template has tool turns); absent = no. Requests with tools only go to such models. */
  supportsTools?: boolean;
  /**
   * The model thinks aloud by default (a `<think>` block before the answer). Routed answers switch it off: the
   * engines send the model's documented switch (`/no_think` in the system turn; Ollama's `think: false`).
   */
  hybridThinking?: boolean;
  /** Why this model sits where it does on its rung. */
  evidence: Evidence;
  /** One of the seed's three models (TinyLlama, Phi-2, Mistral-7B): kept in the catalog and selectable by name. */
  seed?: boolean;
  aliases: readonly string[];
}

/** A model behind a cloud API. */
export interface CloudModelEntry {
  id: string;
  kind: 'cloud';
  label: string;
  /** Whose cloud serves it (and bills for it): the engine of `cloudEngineOf[provider]` answers it. */
  provider: CloudProvider;
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

/** A local entry as written in the table below; `url`, `ramMiB` and `minTier` are derived from it. */
export type LocalModelSpec = Omit<LocalModelEntry, 'url' | 'ramMiB' | 'minTier'>;

const APACHE = { spdx: 'Apache-2.0', url: 'https://www.apache.org/licenses/LICENSE-2.0' } as const;
// SmolLM3's model card reports its own evaluation of these models side by side (instruction models, thinking off):
// the one table that compares the current 1.7-4B candidates under the same harness.
const SMOLLM3_TABLE = 'HuggingFaceTB/SmolLM3-3B model card, "Instruction model / No extended thinking" table (2025-07)';

/**
 * The catalog. Local models are grouped by rung (small, medium, large) and, within a rung, ordered best first by
 * the public evidence cited beside each entry; permissive licences rank above custom ones of similar quality. A
 * tier's recommended download on each rung is the first model in this order whose derived memory need fits the tier
 * (data/tiers.ts), and the router answers each rung with the first model in this order whose file is present. The
 * seed's TinyLlama, Phi-2 and Mistral-7B stay selectable (by name, and they answer their rung when no better file of
 * it is present).
 *
 * Every file is pinned to a repository commit. Its size and SHA-256 are the Hugging Face LFS values of that file
 * at that commit, each confirmed from at least two independent public pins; the sources are named beside each
 * entry (README.md, "Local models", says how to move an entry to a newer commit).
 */
const catalogData = [
  // ── small rung ──────────────────────────────────────────────────────────────────────────────────────────────
  {
    // Pins: revision, size and sha256 from an Android validation suite's pinned case list and a macOS app's model
    // notes (both `resolve/dcb19155…`); size + sha256 also from a Hugging Face tree-API dump and a shell installer.
    id: 'qwen3-1.7b',
    kind: 'local',
    label: 'Qwen3 1.7B',
    paramsB: 1.7,
    routes: ['small'],
    file: 'Qwen_Qwen3-1.7B-Q4_K_M.gguf',
    // Qwen's own 1.7B GGUF repository ships Q8_0 only; bartowski's imatrix Q4_K_M is the common Q4_K_M build.
    repo: 'bartowski/Qwen_Qwen3-1.7B-GGUF',
    revision: 'dcb19155b962dbb6389f4691a982043a8e651022',
    sizeBytes: 1_282_439_584,
    sha256: '72c5c3cb38fa32d5256e2fe30d03e7a64c6c79e668ad84057e3bd66e250b24fb',
    quantization: 'Q4_K_M',
    shape: { arch: 'qwen3', layers: 28, kvHeads: 8, headDim: 128, ff: 6144, vocab: 151_936 },
    licence: APACHE,
    ladderRoute: 'small',
    ollamaTag: 'qwen3:1.7b',
    ollamaBuild: 'same-quant-other-build',
    contextLength: 40_960,
    // Qwen3's chat template has <tool_call> turns.
    supportsTools: true,
    hybridThinking: true,
    evidence: {
      summary: 'GSM-Plus 68.3 with thinking off, vs 59.2 for Llama 3.2 3B (TinyLlama: GSM8K 0)',
      source: `${SMOLLM3_TABLE}; Qwen3 Technical Report, arXiv:2505.09388`,
    },
    aliases: ['qwen3-1.7b-instruct', 'qwen3:1.7b'],
  },
  {
    // Pins: the Qwen GGUF revision 91cad511… with this size and sha256 in a pinned validation list and in a
    // benchmark's Pins table; the sha256 also in several projects' verification code.
    id: 'qwen2.5-1.5b',
    kind: 'local',
    label: 'Qwen2.5 1.5B Instruct',
    paramsB: 1.5,
    routes: ['small'],
    file: 'qwen2.5-1.5b-instruct-q4_k_m.gguf',
    repo: 'Qwen/Qwen2.5-1.5B-Instruct-GGUF',
    revision: '91cad51170dc346986eccefdc2dd33a9da36ead9',
    sizeBytes: 1_117_320_736,
    sha256: '6a1a2eb6d15622bf3c96857206351ba97e1af16c30d7a74ee38970e434e9407e',
    quantization: 'Q4_K_M',
    shape: { arch: 'qwen2', layers: 28, kvHeads: 2, headDim: 128, ff: 8960, vocab: 151_936 },
    licence: APACHE,
    ladderRoute: 'small',
    ollamaTag: 'qwen2.5:1.5b',
    ollamaBuild: 'same-quant-other-build',
    contextLength: 32768,
    // Qwen2.5 Instruct's chat template has <tool_call> turns.
    supportsTools: true,
    evidence: {
      summary: 'the 2024 predecessor of Qwen3 1.7B, kept as an alternate',
      source: 'Qwen2.5 Technical Report, arXiv:2412.15115',
    },
    aliases: ['qwen2.5-1.5b-instruct'],
  },
  {
    // Pins: revision 52e7645b… with this size and sha256 in a pinned validation list, a GPU benchmark's defaults
    // (`resolve/52e7645b…`) and a Hugging Face API fixture; sha256 in many installers.
    id: 'tinyllama',
    kind: 'local',
    label: 'TinyLlama 1.1B Chat',
    paramsB: 1.1,
    routes: ['small'],
    file: 'tinyllama-1.1b-chat-v1.0.Q4_K_M.gguf',
    repo: 'TheBloke/TinyLlama-1.1B-Chat-v1.0-GGUF',
    revision: '52e7645ba7c309695bec7ac98f4f005b139cf465',
    sizeBytes: 668_788_096,
    sha256: '9fecc3b3cd76bba89d504f29b616eedf7da85b96540e490ca5824d3f7d2776a0',
    quantization: 'Q4_K_M',
    shape: { arch: 'llama', layers: 22, kvHeads: 4, headDim: 64, ff: 5632, vocab: 32000 },
    licence: APACHE,
    ladderRoute: 'small',
    ollamaTag: 'tinyllama:1.1b',
    // Ollama's library build of TinyLlama is a Q4_0 file: the same model, not the catalog's Q4_K_M file.
    ollamaBuild: 'q4_0',
    contextLength: 2048,
    // A 2023 chat model without tool turns in its template.
    supportsTools: false,
    evidence: {
      summary: 'the seed model (no aggregate score published; IFEval 21, GSM8K 0)',
      source: 'TinyLlama paper, arXiv:2401.02385; seed tier table',
    },
    seed: true,
    aliases: ['tinyllama-1.1b'],
  },
  // ── medium rung ─────────────────────────────────────────────────────────────────────────────────────────────
  {
    // Pins: Qwen's own GGUF at revision bc640142… with this size and sha256 in five independent projects (a
    // licence register, a benchmark judge config, a C# component manifest, a Python fetch script, an Italian app's
    // catalog, all `resolve/bc640142…` or "frozen revision"); size + sha256 also in a Pi deployment record.
    id: 'qwen3-4b',
    kind: 'local',
    label: 'Qwen3 4B',
    paramsB: 4.0,
    routes: ['small', 'medium'],
    file: 'Qwen3-4B-Q4_K_M.gguf',
    repo: 'Qwen/Qwen3-4B-GGUF',
    revision: 'bc640142c66e1fdd12af0bd68f40445458f3869b',
    sizeBytes: 2_497_280_256,
    sha256: '7485fe6f11af29433bc51cab58009521f205840f5b4ae3a32fa7f92e8534fdf5',
    quantization: 'Q4_K_M',
    shape: { arch: 'qwen3', layers: 36, kvHeads: 8, headDim: 128, ff: 9728, vocab: 151_936 },
    licence: APACHE,
    ladderRoute: 'medium',
    ollamaTag: 'qwen3:4b',
    ollamaBuild: 'same-quant-other-build',
    contextLength: 40_960,
    supportsTools: true,
    hybridThinking: true,
    evidence: {
      summary: 'GSM-Plus 82.1, AIME 2025 17.1 with thinking off: first of the 1.7-4B models in one table',
      source: `${SMOLLM3_TABLE}; Qwen3 Technical Report, arXiv:2505.09388`,
    },
    aliases: ['qwen3-4b-instruct', 'qwen3:4b'],
  },
  {
    // Pins: unsloth's GGUF at revision 78eb92a4… with this size and sha256 in four independent projects (a Go
    // installer's pinned asset list, an Android model manifest, a Kotlin catalog, a JavaScript model catalog, each
    // naming the revision); size + sha256 also in a Rust catalogue, a C# starter-model list and a quantisation
    // study's pinned pair. Microsoft publishes no Q4_K_M GGUF of its own.
    id: 'phi-4-mini',
    kind: 'local',
    label: 'Phi-4-mini 3.8B Instruct',
    paramsB: 3.8,
    routes: ['small', 'medium'],
    file: 'Phi-4-mini-instruct-Q4_K_M.gguf',
    repo: 'unsloth/Phi-4-mini-instruct-GGUF',
    revision: '78eb92a46fc37e6b524df991ed9aca9bc6aa7b80',
    sizeBytes: 2_491_874_272,
    sha256: '88c00229914083cd112853aab84ed51b87bdf6b9ce42f532d8c85c7c63b1730a',
    quantization: 'Q4_K_M',
    // llama.cpp reads Phi-4-mini as its "phi3" architecture: 24 query heads, 8 KV heads of 128, a 200k vocabulary.
    shape: { arch: 'phi3', layers: 32, kvHeads: 8, headDim: 128, ff: 8192, vocab: 200_064 },
    // MIT upstream; the link is Microsoft's model, not the GGUF repackager's card.
    licence: { spdx: 'MIT', url: 'https://huggingface.co/microsoft/Phi-4-mini-instruct/blob/main/LICENSE' },
    ladderRoute: 'medium',
    ollamaTag: 'phi4-mini:3.8b',
    ollamaBuild: 'same-quant-other-build',
    contextLength: 131_072,
    // Phi-4-mini was trained for function calling (<|tool|> turns in its template).
    supportsTools: true,
    evidence: {
      // Not in the SmolLM3 same-harness table: its own card's numbers, so it ranks after Qwen3 4B, ahead of the
      // 3B models that score lower on the same benchmarks there.
      summary: "MMLU 67.3, GSM8K 88.6, MATH 64.0 in Microsoft's evaluation; MIT licence",
      source: 'microsoft/Phi-4-mini-instruct model card (2025-02); Phi-4-Mini Technical Report, arXiv:2503.01743',
    },
    aliases: ['phi4-mini', 'phi4-mini:3.8b', 'phi-4-mini-instruct'],
  },
  {
    // Pins: revision 4965cb60… with this size and sha256 in four independent projects (a pinned asset lock, a RAG
    // app's model profiles, an evaluation's candidate record, a GGUF architecture fixture list); size + sha256 also
    // in a benchmark's Pins table and a desktop app's catalog.
    id: 'smollm3-3b',
    kind: 'local',
    label: 'SmolLM3 3B',
    paramsB: 3.1,
    routes: ['small', 'medium'],
    file: 'SmolLM3-Q4_K_M.gguf',
    repo: 'ggml-org/SmolLM3-3B-GGUF',
    revision: '4965cb60b150737b68a0408c36aeefb65078f894',
    sizeBytes: 1_915_305_312,
    sha256: '8334b850b7bd46238c16b0c550df2138f0889bf433809008cc17a8b05761863e',
    quantization: 'Q4_K_M',
    shape: { arch: 'smollm3', layers: 36, kvHeads: 4, headDim: 128, ff: 11008, vocab: 128_256 },
    licence: APACHE,
    ladderRoute: 'medium',
    // Ollama pulls this exact file straight from the Hugging Face repository.
    ollamaTag: 'hf.co/ggml-org/SmolLM3-3B-GGUF:Q4_K_M',
    ollamaBuild: 'same-file',
    contextLength: 65536,
    // SmolLM3's template has XML tool turns.
    supportsTools: true,
    hybridThinking: true,
    evidence: {
      summary: 'GSM-Plus 72.8, AIME 2025 9.3 with thinking off: ahead of Qwen3 1.7B and Llama 3.2 3B',
      source: SMOLLM3_TABLE,
    },
    aliases: ['smollm3'],
  },
  {
    // Pins: IBM's GGUF at revision ec48475f… with this size and sha256 in three independent projects (a Rust
    // catalog's verified-pins test, a Windows app's licence notes, a benchmark's Pins table); the same sha256 is
    // the blob Ollama serves as granite4:micro.
    id: 'granite-4.0-micro',
    kind: 'local',
    label: 'Granite 4.0 Micro',
    paramsB: 3.4,
    routes: ['small', 'medium'],
    file: 'granite-4.0-micro-Q4_K_M.gguf',
    repo: 'ibm-granite/granite-4.0-micro-GGUF',
    revision: 'ec48475f0c811d812fbfb61975717a9c36eeb652',
    sizeBytes: 2_099_502_528,
    sha256: '97c417dcc0534b0737c74016fb2af083cb17c3b51eaac621192d23961b7024eb',
    quantization: 'Q4_K_M',
    shape: { arch: 'granite', layers: 40, kvHeads: 8, headDim: 64, ff: 8192, vocab: 100_352 },
    licence: APACHE,
    ladderRoute: 'medium',
    ollamaTag: 'granite4:micro',
    // Ollama's granite4:micro blob has the same sha256 as this file.
    ollamaBuild: 'same-file',
    contextLength: 131_072,
    // Granite 4.0 instruct models were trained for function calling (<tool_call> turns).
    supportsTools: true,
    evidence: {
      summary: 'Artificial Analysis Intelligence Index 16, ahead of Gemma 3 4B (15) and LFM2 2.6B (12); no thinking mode',
      source: 'Artificial Analysis, Granite 4.0 launch evaluation (2025-10-02)',
    },
    aliases: ['granite4:micro', 'granite-micro'],
  },
  {
    // Pins: unsloth's GGUF at revision 5a3566e7… with this size and sha256 in four independent projects (a Go
    // installer's pinned asset list, a Swift app's model list, a C# plugin's pinned URLs, an Android bundled
    // catalog); size + sha256 also in a Python pin table and several apps' verification code. Google publishes no
    // Q4_K_M GGUF of its own (its GGUFs are QAT Q4_0 builds).
    id: 'gemma-3-4b',
    kind: 'local',
    label: 'Gemma 3 4B Instruct',
    paramsB: 4.3,
    routes: ['small', 'medium'],
    file: 'gemma-3-4b-it-Q4_K_M.gguf',
    repo: 'unsloth/gemma-3-4b-it-GGUF',
    revision: '5a3566e716d80f709ed7b79817eaf7733d2a1fce',
    sizeBytes: 2_489_894_016,
    sha256: '04a43a22e8d2003deda5acc262f68ec1005fa76c735a9962a8c77042a74a7d19',
    quantization: 'Q4_K_M',
    // 8 query heads, 4 KV heads of 256; a 262k vocabulary. Five of every six layers use a 1,024-token sliding window,
    // so llama.cpp's KV cache is smaller than this full-attention figure: the derived need errs high.
    shape: { arch: 'gemma3', layers: 34, kvHeads: 4, headDim: 256, ff: 10240, vocab: 262_144 },
    licence: {
      custom: 'Gemma Terms of Use',
      url: 'https://ai.google.dev/gemma/terms',
      terms: 'prohibited-use policy, restrictions passed on to every user',
    },
    ladderRoute: 'medium',
    ollamaTag: 'gemma3:4b',
    ollamaBuild: 'same-quant-other-build',
    contextLength: 131_072,
    // Gemma 3's chat template has no tool turns.
    supportsTools: false,
    evidence: {
      summary: "MMLU-Pro 43.6, GSM8K 89.2 in Google's evaluation; Artificial Analysis index 15, behind Granite 4.0 Micro; custom licence",
      source: 'Gemma 3 Technical Report, arXiv:2503.19786; Artificial Analysis, Granite 4.0 launch evaluation (2025-10-02)',
    },
    aliases: ['gemma3:4b', 'gemma3-4b', 'gemma-3-4b-it'],
  },
  {
    // Pins: revision 5ab33fa9… in several projects' Hugging Face cache paths and a benchmark's Pins table, with this
    // size and sha256 there and in a pinned validation list.
    id: 'llama-3.2-3b',
    kind: 'local',
    label: 'Llama 3.2 3B Instruct',
    paramsB: 3.2,
    routes: ['small', 'medium'],
    file: 'Llama-3.2-3B-Instruct-Q4_K_M.gguf',
    repo: 'bartowski/Llama-3.2-3B-Instruct-GGUF',
    revision: '5ab33fa94d1d04e903623ae72c95d1696f09f9e8',
    sizeBytes: 2_019_377_696,
    sha256: '6c1a2b41161032677be168d354123594c0e6e67d2b9227c84f296ad037c728ff',
    quantization: 'Q4_K_M',
    shape: { arch: 'llama', layers: 28, kvHeads: 8, headDim: 128, ff: 8192, vocab: 128_256 },
    licence: {
      custom: 'Llama 3.2 Community License',
      url: 'https://huggingface.co/meta-llama/Llama-3.2-3B-Instruct/blob/main/LICENSE.txt',
      terms: 'acceptable-use policy, attribution, 700 M monthly-user limit',
    },
    ladderRoute: 'medium',
    ollamaTag: 'llama3.2:3b',
    ollamaBuild: 'same-quant-other-build',
    // The model supports 128k; the embedded engine uses a much smaller window (RAM), this is the model's limit.
    contextLength: 131072,
    // Llama 3.2 Instruct was trained for function calling (ipython/tool turns).
    supportsTools: true,
    evidence: {
      summary: 'GSM-Plus 59.2 with thinking off, behind SmolLM3 and Qwen3; custom licence',
      source: SMOLLM3_TABLE,
    },
    aliases: ['llama3.2-3b', 'llama-3.2-3b-instruct'],
  },
  {
    // Pins: revision 5a454d97… in a pinned validation list (with this size and sha256) and in Hugging Face cache
    // paths of two other projects; sha256 in many installers.
    id: 'phi2',
    kind: 'local',
    label: 'Phi-2 2.7B',
    paramsB: 2.7,
    routes: ['small', 'medium'],
    file: 'phi-2.Q4_K_M.gguf',
    repo: 'TheBloke/phi-2-GGUF',
    revision: '5a454d977c6438bb9fb2df233c8ca70f21c87420',
    sizeBytes: 1_789_239_136,
    sha256: '324356668fa5ba9f4135de348447bb2bbe2467eaa1b8fcfb53719de62fbd2499',
    quantization: 'Q4_K_M',
    // No GQA: 32 KV heads of 80, so its KV cache is 640 MiB at 2,048 tokens.
    shape: { arch: 'phi2', layers: 32, kvHeads: 32, headDim: 80, ff: 10240, vocab: 51200 },
    // Microsoft relicensed Phi-2 to MIT (2024-01); TheBloke's GGUF card still shows the older research licence, so
    // the link goes to the upstream model.
    licence: { spdx: 'MIT', url: 'https://huggingface.co/microsoft/phi-2/blob/main/LICENSE' },
    ladderRoute: 'medium',
    ollamaTag: 'phi:2.7b',
    // Ollama's library build of Phi-2 is a Q4_0 file: the same model, not the catalog's Q4_K_M file.
    ollamaBuild: 'q4_0',
    contextLength: 2048,
    // A base model with no chat or tool template.
    supportsTools: false,
    evidence: {
      summary: "the seed's 4 GB model (2023, base model without a chat template)",
      source: 'Microsoft Research blog "Phi-2: the surprising power of small language models" (2023-12)',
    },
    seed: true,
    aliases: ['phi-2'],
  },
  // ── large rung ──────────────────────────────────────────────────────────────────────────────────────────────
  {
    // Pins: revision 3a6fbf4a… in many projects' Hugging Face cache paths for this file; size and sha256 as before.
    id: 'mistral-7b',
    kind: 'local',
    label: 'Mistral 7B Instruct v0.2',
    paramsB: 7.2,
    routes: ['small', 'medium', 'large'],
    file: 'mistral-7b-instruct-v0.2.Q4_K_M.gguf',
    repo: 'TheBloke/Mistral-7B-Instruct-v0.2-GGUF',
    revision: '3a6fbf4a41a1d52e415a4958cde6856d34b2db93',
    sizeBytes: 4_368_439_584,
    sha256: '3e0039fd0273fcbebb49228943b17831aadd55cbcbf56f0af00499be2040ccf9',
    quantization: 'Q4_K_M',
    shape: { arch: 'llama', layers: 32, kvHeads: 8, headDim: 128, ff: 14336, vocab: 32000 },
    licence: APACHE,
    ladderRoute: 'large',
    // `mistral:7b` now points at v0.3; the explicit tag keeps Ollama on v0.2 at the same quantisation.
    ollamaTag: 'mistral:7b-instruct-v0.2-q4_K_M',
    ollamaBuild: 'same-quant-other-build',
    contextLength: 32768,
    // Instruct v0.2 has no tool-call tokens (they arrived in v0.3).
    supportsTools: false,
    evidence: {
      summary: "the seed's 8 GB model",
      source: 'Mistral 7B paper, arXiv:2310.06825',
    },
    seed: true,
    aliases: ['mistral', 'mistral:7b'],
  },
  {
    id: 'claude-haiku',
    kind: 'cloud',
    provider: 'anthropic',
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
    provider: 'anthropic',
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
    provider: 'anthropic',
    label: 'Claude Opus 4.6',
    routes: ['cloud'],
    providerModel: 'claude-opus-4-6',
    supportsTools: true,
    // Anthropic's documented window for every current Claude model (1M is a beta option this product does not ask for).
    contextLength: 200_000,
    aliases: ['claude-opus-4-6'],
  },
  // ── OpenAI ──────────────────────────────────────────────────────────────────────────────────────────────────
  // Ids, windows and prices: OpenAI's model pages and API pricing page (developers.openai.com/api/docs/models,
  // /api/docs/pricing), GPT-5.4 family, as quoted in benchlm.ai "OpenAI API Pricing" (2026-04) and morphllm.com
  // "OpenAI API pricing" (2026-06). The catalog prices the standard tier under 270K prompt tokens.
  {
    id: 'gpt-5.4',
    kind: 'cloud',
    provider: 'openai',
    label: 'GPT-5.4',
    routes: ['cloud'],
    providerModel: 'gpt-5.4',
    supportsTools: true,
    // OpenAI's GPT-5.4 model page: 1,048,576-token window (modelcostwatch.com "GPT-5.4 context and tool support").
    contextLength: 1_048_576,
    aliases: ['gpt-5.4-latest', 'gpt5.4'],
  },
  {
    id: 'gpt-5.4-mini',
    kind: 'cloud',
    provider: 'openai',
    label: 'GPT-5.4 mini',
    routes: ['cloud'],
    providerModel: 'gpt-5.4-mini',
    supportsTools: true,
    // OpenAI's GPT-5.4 mini model page: 400K window, 128K output (vivgrid.com and anyfast.ai model notes).
    contextLength: 400_000,
    aliases: ['gpt5.4-mini'],
  },
  {
    id: 'gpt-5.4-nano',
    kind: 'cloud',
    provider: 'openai',
    label: 'GPT-5.4 nano',
    routes: ['cloud'],
    providerModel: 'gpt-5.4-nano',
    supportsTools: true,
    // OpenAI's GPT-5.4 nano model page: 400K window (losclouds.com host table, ai-price "400.000 tokens").
    contextLength: 400_000,
    aliases: ['gpt5.4-nano'],
  },
  // ── Google Gemini (AI Studio and Vertex AI serve the same ids) ──────────────────────────────────────────────
  // The stable 2.5 family (previews can be withdrawn without notice). Windows: 1,048,576 input tokens on Google's
  // model pages (ai.google.dev/gemini-api/docs/models); prices: ai.google.dev/gemini-api/docs/pricing (paid tier,
  // prompts up to 200K), as quoted in deploybase.ai "Gemini API Pricing 2026" and hivebook "Gemini 2.5".
  {
    id: 'gemini-2.5-pro',
    kind: 'cloud',
    provider: 'gemini',
    label: 'Gemini 2.5 Pro',
    routes: ['cloud'],
    providerModel: 'gemini-2.5-pro',
    supportsTools: true,
    contextLength: 1_048_576,
    aliases: ['gemini-pro'],
  },
  {
    id: 'gemini-2.5-flash',
    kind: 'cloud',
    provider: 'gemini',
    label: 'Gemini 2.5 Flash',
    routes: ['cloud'],
    providerModel: 'gemini-2.5-flash',
    supportsTools: true,
    contextLength: 1_048_576,
    aliases: ['gemini-flash', 'gemini'],
  },
  {
    id: 'gemini-2.5-flash-lite',
    kind: 'cloud',
    provider: 'gemini',
    label: 'Gemini 2.5 Flash-Lite',
    routes: ['cloud'],
    providerModel: 'gemini-2.5-flash-lite',
    supportsTools: true,
    contextLength: 1_048_576,
    aliases: ['gemini-flash-lite'],
  },
] as const satisfies readonly (LocalModelSpec | CloudModelEntry)[];

export type ModelId = (typeof catalogData)[number]['id'];

/** The Hugging Face download URL of a file pinned to a commit. */
export function pinnedUrl(repo: string, revision: string, file: string): string {
  return `https://huggingface.co/${repo}/resolve/${revision}/${file}`;
}

function complete(spec: LocalModelSpec): LocalModelEntry {
  const ramMiB = ramNeed(spec).totalMiB;
  const minTier = minTierFor(ramMiB);
  // A model no tier can hold would never be offered; refuse it when the catalog loads rather than list it.
  if (minTier === undefined) throw new Error(`catalog entry ${spec.id} needs ${ramMiB} MiB, more than any tier's budget`);
  return { ...spec, url: pinnedUrl(spec.repo, spec.revision, spec.file), ramMiB, minTier };
}

/** Every model: local entries with their derived URL, memory need and minimum tier, then the cloud models. */
export const modelCatalog: readonly ModelEntry[] = catalogData.map((m) => (m.kind === 'local' ? complete(m) : m));

/** The cloud model every "all-cloud" counterfactual and every cloud route uses by default (Claude's). */
export const defaultCloudModel: ModelId = 'claude-sonnet';

/**
 * Each catalog provider's default cloud model: its general-purpose model of the same class as Claude Sonnet
 * (similar list price, tools, long context). Compat clouds have no catalog models: their first listed model is used.
 */
const defaultCloudModels = {
  anthropic: 'claude-sonnet',
  openai: 'gpt-5.4',
  gemini: 'gemini-2.5-pro',
} as const satisfies Record<Exclude<CloudProvider, 'compat'>, ModelId>;

/** The one place a provider's default cloud model comes from; undefined for 'compat' (its models are listed live). */
export function defaultCloudModelFor(provider: CloudProvider): ModelId | undefined {
  return provider === 'compat' ? undefined : defaultCloudModels[provider];
}

export const localModels: readonly LocalModelEntry[] = modelCatalog.filter((m): m is LocalModelEntry => m.kind === 'local');
export const cloudModels: readonly CloudModelEntry[] = modelCatalog.filter((m): m is CloudModelEntry => m.kind === 'cloud');

/** The catalog's cloud models of one provider (none for 'compat': its models come from its own /v1/models). */
export function cloudModelsOf(provider: CloudProvider): readonly CloudModelEntry[] {
  return cloudModels.filter((m) => m.provider === provider);
}

/** How a licence reads in lists: the SPDX id, or "custom: <name> (not permissive: <terms>)". */
export function licenceLabel(l: Licence): string {
  return 'spdx' in l ? l.spdx : `custom: ${l.custom} (not permissive: ${l.terms})`;
}

/** True for an SPDX licence (all the catalog's SPDX licences are permissive: Apache-2.0, MIT). */
export function isPermissive(l: Licence): boolean {
  return 'spdx' in l;
}

/** What Ollama's tag gives compared with the catalog file, in a few words (shown where both are offered). */
export function ollamaBuildNote(m: Pick<LocalModelEntry, 'ollamaTag' | 'ollamaBuild'>): string {
  if (m.ollamaBuild === 'same-file') return `Ollama's ${m.ollamaTag} is this same file`;
  if (m.ollamaBuild === 'q4_0') return `Ollama's ${m.ollamaTag} is a Q4_0 build of the same model, not this Q4_K_M file`;
  return `Ollama's ${m.ollamaTag} is its own Q4_K_M build of the same model, not this exact file`;
}

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
