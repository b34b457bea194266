// What a GGUF file says about itself (architecture, parameters, quantization, context, chat template), read from its
// header with Hugging Face's GGUF parser, without loading the model or node-llama-cpp (whose import costs the server
// ~0.5 s and ~60 MB just to list models).
import { open } from 'node:fs/promises';
import type * as GgufLibrary from '@huggingface/gguf';

/** What a GGUF header tells about the model in the file. */
export interface GgufInfo {
  /** `general.architecture` ("llama", "qwen3", ...). */
  architecture?: string;
  /** `general.file_type` as llama.cpp names it ("Q4_K_M", "F16"), when known. */
  quantization?: string;
  /** `<architecture>.context_length`: the context it was trained for, in tokens. */
  contextLength?: number;
  /** `tokenizer.chat_template` (Jinja). */
  chatTemplate?: string;
  /** Weights counted from the tensor shapes (as Ollama counts them). */
  parameterCount?: number;
  /** Every scalar metadata value (numbers, booleans, short strings); arrays and the chat template left out. */
  metadata: Record<string, string | number | boolean>;
}

/** Strings longer than this stay out of `metadata` (Ollama's model_info shows values, not documents). */
const MAX_SHOWN_STRING = 1024;

type Parsed = Awaited<ReturnType<typeof GgufLibrary.gguf>> & { parameterCount?: number };
type Library = typeof GgufLibrary;

/** The parser loads on first use (a model list or a first local chat), not when the core starts. */
let library: Promise<Library> | undefined;

/**
 * The parsed header of the GGUF (v2/v3) at `path`, or undefined when the file is not a GGUF or its header cannot be
 * parsed. A missing or unreadable file rejects.
 */
async function parse(path: string, parameters: boolean): Promise<{ parsed: Parsed; lib: Library } | undefined> {
  // Opened first so a missing or unreadable file rejects as such, not as "not a GGUF".
  await (await open(path, 'r')).close();
  const lib = await (library ??= import('@huggingface/gguf'));
  try {
    const parsed: Parsed = parameters
      ? await lib.gguf(path, { allowLocalFile: true, computeParametersCount: true })
      : await lib.gguf(path, { allowLocalFile: true });
    return { parsed, lib };
  } catch {
    return undefined;
  }
}

/** A metadata value as a plain number when it is a (big) integer or a number; else undefined. */
function num(v: unknown): number | undefined {
  if (typeof v === 'bigint') return Number(v);
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** What the GGUF at `path` says about its model, or undefined when it is not a GGUF. A missing file rejects. */
export async function readGgufInfo(path: string): Promise<GgufInfo | undefined> {
  const r = await parse(path, true);
  if (!r) return undefined;
  const { metadata: raw, parameterCount } = r.parsed;
  const metadata: Record<string, string | number | boolean> = {};
  let chatTemplate: string | undefined;
  for (const [key, v] of Object.entries(raw)) {
    if (key === 'tokenizer.chat_template' && typeof v === 'string') chatTemplate = v;
    else if (typeof v === 'boolean' || (typeof v === 'string' && v.length <= MAX_SHOWN_STRING)) metadata[key] = v;
    else if (num(v) !== undefined) metadata[key] = num(v)!;
  }
  // The parser's own bookkeeping, not the file's metadata.
  delete metadata.version;
  delete metadata.tensor_count;
  delete metadata.kv_count;
  const arch = typeof metadata['general.architecture'] === 'string' ? metadata['general.architecture'] : undefined;
  const fileType = num(metadata['general.file_type']);
  const quantization = fileType === undefined ? undefined : r.lib.GGMLFileQuantizationType[fileType];
  const context = arch === undefined ? undefined : num(metadata[`${arch}.context_length`]);
  if (parameterCount !== undefined) metadata['general.parameter_count'] = parameterCount;
  return {
    ...(arch !== undefined ? { architecture: arch } : {}),
    ...(quantization !== undefined ? { quantization } : {}),
    ...(context !== undefined && context > 0 ? { contextLength: context } : {}),
    ...(chatTemplate !== undefined ? { chatTemplate } : {}),
    ...(parameterCount !== undefined ? { parameterCount } : {}),
    metadata,
  };
}

/**
 * The `<architecture>.context_length` a GGUF (v2/v3) declares, or undefined when the file is not a GGUF or the key is
 * absent. A missing file rejects.
 */
export async function readGgufContextLength(path: string): Promise<number | undefined> {
  const r = await parse(path, false);
  if (!r) return undefined;
  const m = r.parsed.metadata as Record<string, unknown>;
  const arch = m['general.architecture'];
  const n = typeof arch === 'string' ? num(m[`${arch}.context_length`]) : undefined;
  return n !== undefined && n > 0 ? n : undefined;
}
