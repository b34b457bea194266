// The UTF-16 code units of a string in a reusable typed array: character loops that stay fast whatever the string's representation.
//
// why: a loop over charCodeAt that sees flat, sliced and concatenated strings is compiled for all of them (8-14 ns a
// character in a server where prompts alternate, against ~2 over a typed array), so a walk first copies the units here.

/** Writes a string's UTF-16 code units, little-endian, into the memory it was made over (Node: a Buffer over it). */
export interface Utf16Writer {
  write(text: string, offset: number, encoding: 'utf16le'): number;
}

/**
 * Makes a native writer over an array buffer. The pure layer has none (no Buffer, no globals): the composition root
 * passes Node's (routing-state.ts); without one, or on a big-endian machine, a plain loop copies.
 */
export type Utf16WriterFactory = (buffer: ArrayBuffer) => Utf16Writer;

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * why: the scratch grows to the longest text seen and stays; past 128 KB (a 64,000-character prompt) a call gets an
 * array of its own, so one huge prompt does not pin megabytes for the life of the process.
 */
const SCRATCH_MAX = 1 << 16;

/** A growing scratch array for code units, owned by its caller (one per thread: routing calls are synchronous). */
export class CodeUnits {
  private scratch = new Uint16Array(2048);
  private writer: Utf16Writer | undefined;
  private readonly native: Utf16WriterFactory | undefined;

  constructor(native?: Utf16WriterFactory) {
    this.native = native !== undefined && LITTLE_ENDIAN ? native : undefined;
    this.writer = this.native?.(this.scratch.buffer);
  }

  /** The code units of `text` in positions [0, text.length), valid until the next call on this scratch. */
  of(text: string): Uint16Array {
    if (text.length > SCRATCH_MAX) return this.copyInto(new Uint16Array(text.length), text, undefined);
    if (text.length > this.scratch.length) {
      this.scratch = new Uint16Array(Math.min(SCRATCH_MAX, Math.max(text.length, this.scratch.length * 2)));
      this.writer = this.native?.(this.scratch.buffer);
    }
    return this.copyInto(this.scratch, text, this.writer);
  }

  private copyInto(target: Uint16Array<ArrayBuffer>, text: string, writer: Utf16Writer | undefined): Uint16Array {
    const w = writer ?? this.native?.(target.buffer);
    if (w !== undefined) w.write(text, 0, 'utf16le');
    else for (let i = 0; i < text.length; i++) target[i] = text.charCodeAt(i);
    return target;
  }
}
