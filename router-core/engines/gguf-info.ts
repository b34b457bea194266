// Reads what a GGUF file says about itself (architecture, parameters, quantization, context, chat template) from its
// header, without loading the model or node-llama-cpp (whose import costs the server ~0.5 s and ~60 MB to list models).
import { open } from 'node:fs/promises';

/** What a GGUF header tells about the model in the file. */
export interface GgufInfo {
  /** `general.architecture` ("llama", "qwen3", ...). */
  architecture?: string;
  /** `general.file_type` as llama.cpp and Ollama name it ("Q4_K_M", "F16"), when known. */
  quantization?: string;
  /** `<architecture>.context_length`: the context it was trained for, in tokens. */
  contextLength?: number;
  /** `tokenizer.chat_template` (Jinja). */
  chatTemplate?: string;
  /** Weights counted from the tensor shapes (as Ollama counts them), when the tensor table was read. */
  parameterCount?: number;
  /** Every scalar metadata value (numbers, booleans, short strings); arrays and the chat template left out. */
  metadata: Record<string, string | number | boolean>;
}

// GGUF value types (gguf.h: enum gguf_type) → byte size of one value; strings (8) and arrays (9) are variable.
const FIXED_SIZE: Readonly<Record<number, number>> = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };
const T_STRING = 8;
const T_ARRAY = 9;
/**
 * Most bytes of header read. why: the tensor table (for the parameter count) follows the tokenizer's arrays, which
 * reach ~8 MB for 250k-token vocabularies with merges; 64 MiB covers them and is still no model's weights.
 */
const MAX_HEADER_BYTES = 64 * 1024 * 1024;
const FIRST_READ = 1024 * 1024;
/** Strings longer than this stay out of `metadata` (Ollama's model_info shows values, not documents). */
const MAX_SHOWN_STRING = 1024;

/** llama.cpp's `llama_ftype` values as Ollama names them (fs/ggml/type.go); gaps are types no GGUF carries. */
// prettier-ignore
const FILE_TYPES: ReadonlyArray<string | undefined> = [
  'F32', 'F16', 'Q4_0', 'Q4_1', undefined, undefined, undefined, 'Q8_0', 'Q5_0', 'Q5_1', 'Q2_K', 'Q3_K_S', 'Q3_K_M',
  'Q3_K_L', 'Q4_K_S', 'Q4_K_M', 'Q5_K_S', 'Q5_K_M', 'Q6_K', 'IQ2_XXS', 'IQ2_XS', 'Q2_K_S', 'IQ3_XS', 'IQ3_XXS', 'IQ1_S',
  'IQ4_NL', 'IQ3_S', 'IQ3_M', 'IQ2_S', 'IQ2_M', 'IQ4_XS', 'IQ1_M', 'BF16', undefined, undefined, undefined, 'TQ1_0',
  'TQ2_0', 'MXFP4_MOE',
];

/** A GGUF `general.file_type` as Ollama names it, or undefined for a value it has no name for. */
export function quantizationName(fileType: number): string | undefined {
  return Number.isInteger(fileType) ? FILE_TYPES[fileType] : undefined;
}

class OutOfData extends Error {}

/** Reads a file's header on demand: the buffer grows (doubling) as the parser asks for bytes past it. */
class HeaderReader {
  private buf = Buffer.alloc(0);
  private eof = false;
  pos = 0;
  constructor(private readonly fh: Awaited<ReturnType<typeof open>>) {}

  private async need(n: number): Promise<void> {
    while (this.buf.length < this.pos + n) {
      if (this.eof || this.buf.length >= MAX_HEADER_BYTES) throw new OutOfData();
      const want = Math.min(MAX_HEADER_BYTES, Math.max(FIRST_READ, this.buf.length * 2, this.pos + n));
      const next = Buffer.alloc(want);
      this.buf.copy(next);
      const { bytesRead } = await this.fh.read(next, this.buf.length, want - this.buf.length, this.buf.length);
      if (bytesRead < want - this.buf.length) this.eof = true;
      this.buf = next.subarray(0, this.buf.length + bytesRead);
    }
  }

  async u32(): Promise<number> {
    await this.need(4);
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  async u64(): Promise<number> {
    await this.need(8);
    const v = this.buf.readBigUInt64LE(this.pos);
    this.pos += 8;
    return Number(v);
  }

  async str(): Promise<string> {
    const n = await this.u64();
    if (n > MAX_HEADER_BYTES) throw new OutOfData();
    await this.need(n);
    const s = this.buf.toString('utf8', this.pos, this.pos + n);
    this.pos += n;
    return s;
  }

  async magic(): Promise<boolean> {
    await this.need(4);
    this.pos = 4;
    return this.buf.toString('latin1', 0, 4) === 'GGUF';
  }

  /** One scalar value of `type`. */
  async scalar(type: number): Promise<string | number | boolean> {
    if (type === T_STRING) return this.str();
    const size = FIXED_SIZE[type];
    if (size === undefined) throw new OutOfData();
    await this.need(size);
    const b = this.buf;
    const p = this.pos;
    this.pos += size;
    switch (type) {
      case 0:
        return b.readUInt8(p);
      case 1:
        return b.readInt8(p);
      case 2:
        return b.readUInt16LE(p);
      case 3:
        return b.readInt16LE(p);
      case 4:
        return b.readUInt32LE(p);
      case 5:
        return b.readInt32LE(p);
      case 6:
        return b.readFloatLE(p);
      case 7:
        return b.readUInt8(p) !== 0;
      case 10:
        return Number(b.readBigUInt64LE(p));
      case 11:
        return Number(b.readBigInt64LE(p));
      default:
        return b.readDoubleLE(p);
    }
  }

  /** Skips an array value (its element type and count already known by the caller reading them). */
  async skipArray(): Promise<void> {
    const elem = await this.u32();
    const count = await this.u64();
    const size = FIXED_SIZE[elem];
    if (size !== undefined) {
      if (count * size > MAX_HEADER_BYTES) throw new OutOfData();
      await this.need(count * size);
      this.pos += count * size;
      return;
    }
    for (let i = 0; i < count; i++) {
      if (elem === T_ARRAY) await this.skipArray();
      else await this.scalar(elem);
    }
  }
}

/**
 * What the GGUF (v2/v3) at `path` says about its model, or undefined when it is not a GGUF. Fields past
 * {@link MAX_HEADER_BYTES} are left out (the parameter count first: the tensor table comes last). A missing file rejects.
 */
export async function readGgufInfo(path: string): Promise<GgufInfo | undefined> {
  const fh = await open(path, 'r');
  const r = new HeaderReader(fh);
  const metadata: Record<string, string | number | boolean> = {};
  let chatTemplate: string | undefined;
  try {
    if (!(await r.magic()) || (await r.u32()) < 2) return undefined;
    const tensors = await r.u64();
    const kvCount = await r.u64();
    for (let i = 0; i < kvCount; i++) {
      const key = await r.str();
      const type = await r.u32();
      if (type === T_ARRAY) {
        await r.skipArray();
        continue;
      }
      const v = await r.scalar(type);
      if (key === 'tokenizer.chat_template' && typeof v === 'string') chatTemplate = v;
      else if (typeof v !== 'string' || v.length <= MAX_SHOWN_STRING) metadata[key] = v;
    }
    let parameterCount: number | undefined = 0;
    for (let i = 0; i < tensors; i++) {
      await r.str();
      const dims = await r.u32();
      let n = 1;
      for (let d = 0; d < dims; d++) n *= await r.u64();
      await r.u32(); // type
      await r.u64(); // offset
      parameterCount += n;
    }
    return describe(metadata, chatTemplate, parameterCount);
  } catch (e) {
    if (!(e instanceof OutOfData || e instanceof RangeError)) throw e;
    return Object.keys(metadata).length > 0 ? describe(metadata, chatTemplate, undefined) : undefined;
  } finally {
    await fh.close();
  }
}

function describe(metadata: GgufInfo['metadata'], chatTemplate: string | undefined, parameterCount: number | undefined): GgufInfo {
  const arch = typeof metadata['general.architecture'] === 'string' ? metadata['general.architecture'] : undefined;
  const fileType = metadata['general.file_type'];
  const context = arch === undefined ? undefined : metadata[`${arch}.context_length`];
  return {
    ...(arch !== undefined ? { architecture: arch } : {}),
    ...(typeof fileType === 'number' && quantizationName(fileType) ? { quantization: quantizationName(fileType) } : {}),
    ...(typeof context === 'number' && context > 0 ? { contextLength: context } : {}),
    ...(chatTemplate !== undefined ? { chatTemplate } : {}),
    ...(parameterCount !== undefined ? { parameterCount } : {}),
    metadata: parameterCount !== undefined ? { ...metadata, 'general.parameter_count': parameterCount } : metadata,
  };
}
