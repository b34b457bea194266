// Reads a GGUF file's trained context length from its metadata header, without loading the model or node-llama-cpp.
import { open } from 'node:fs/promises';

// GGUF metadata value types (gguf.h: enum gguf_type) → byte size of one value; strings (8) and arrays (9) are variable.
const FIXED_SIZE: Readonly<Record<number, number>> = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };
const T_STRING = 8;
const T_ARRAY = 9;
/**
 * Most bytes of header read. why: converters write `general.*` and the architecture's keys (where `context_length`
 * sits) before the tokenizer's arrays, so the key is within the first few KB; 8 MiB also covers files that put a
 * large vocabulary first (150k tokens ≈ 3 MB of strings) without reading a model's tensors.
 */
const MAX_HEADER_BYTES = 8 * 1024 * 1024;
const CHUNK = 256 * 1024;

class OutOfData extends Error {}

/**
 * The `<architecture>.context_length` a GGUF (v2/v3) declares, or undefined when the file is not a GGUF, the key is
 * absent, or it lies past {@link MAX_HEADER_BYTES}. Never throws for a bad file (a missing file rejects).
 */
export async function readGgufContextLength(path: string): Promise<number | undefined> {
  const fh = await open(path, 'r');
  try {
    let buf = Buffer.alloc(0);
    let eof = false;
    const more = async (): Promise<void> => {
      if (eof || buf.length >= MAX_HEADER_BYTES) throw new OutOfData();
      const chunk = Buffer.alloc(Math.min(CHUNK, MAX_HEADER_BYTES - buf.length));
      const { bytesRead } = await fh.read(chunk, 0, chunk.length, buf.length);
      if (bytesRead === 0) eof = true;
      buf = Buffer.concat([buf, chunk.subarray(0, bytesRead)]);
    };
    let pos = 0;
    const need = async (n: number): Promise<void> => {
      while (buf.length < pos + n) await more();
    };
    const u32 = async (): Promise<number> => {
      await need(4);
      const v = buf.readUInt32LE(pos);
      pos += 4;
      return v;
    };
    const u64 = async (): Promise<number> => {
      await need(8);
      const v = buf.readBigUInt64LE(pos);
      pos += 8;
      if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new OutOfData();
      return Number(v);
    };
    const str = async (): Promise<string> => {
      const n = await u64();
      if (n > MAX_HEADER_BYTES) throw new OutOfData();
      await need(n);
      const s = buf.toString('utf8', pos, pos + n);
      pos += n;
      return s;
    };
    const skip = async (type: number): Promise<void> => {
      if (type === T_STRING) {
        const n = await u64();
        if (n > MAX_HEADER_BYTES) throw new OutOfData();
        await need(n);
        pos += n;
      } else if (type === T_ARRAY) {
        const elem = await u32();
        const count = await u64();
        const size = FIXED_SIZE[elem];
        if (size !== undefined) {
          if (count * size > MAX_HEADER_BYTES) throw new OutOfData();
          await need(count * size);
          pos += count * size;
        } else {
          for (let i = 0; i < count; i++) await skip(elem);
        }
      } else {
        const size = FIXED_SIZE[type];
        if (size === undefined) throw new OutOfData();
        await need(size);
        pos += size;
      }
    };

    await need(8);
    if (buf.toString('latin1', 0, 4) !== 'GGUF') return undefined;
    pos = 4;
    const version = await u32();
    if (version < 2) return undefined;
    await u64(); // tensor count
    const kvCount = await u64();
    for (let i = 0; i < kvCount; i++) {
      const key = await str();
      const type = await u32();
      if (key.endsWith('.context_length') && key.split('.').length === 2 && (type === 4 || type === 5 || type === 10 || type === 11)) {
        const size = FIXED_SIZE[type]!;
        await need(size);
        const v = size === 4 ? buf.readUInt32LE(pos) : Number(buf.readBigUInt64LE(pos));
        return v > 0 ? v : undefined;
      }
      await skip(type);
    }
    return undefined;
  } catch (e) {
    if (e instanceof OutOfData || e instanceof RangeError) return undefined;
    throw e;
  } finally {
    await fh.close();
  }
}
