// The embedded engine's tokenizer with a short memory, so one request's prompt is tokenized once, not twice.
import type { LlamaModel, Token, Tokenizer } from 'node-llama-cpp';

/**
 * Texts shorter than this are tokenized every time (a chat template's "\n" or "assistant\n" between two special
 * tokens): not worth an entry. why 16, not more: a template with special tokens (ChatML's <|im_start|>, Llama 3's
 * headers) renders each message as its own piece of text, and LlamaText tokenizes piece by piece, so a follow-up turn
 * finds every earlier message here and tokenizes only the new ones. Measured here (tiny ChatML GGUF): a 32-character
 * piece costs ~7 µs to tokenize (the native call alone ~4 µs) and ~0.2 µs to look up; the 10th turn's ~40 pieces
 * took ~400 µs to tokenize when only pieces of 256 characters or more were remembered (none of them were).
 */
export const MEMO_MIN_CHARS = 16;

/** Characters of text the memory holds at most (~2 bytes each in V8, plus its tokens), oldest use dropped first. */
export const MEMO_MAX_CHARS = 2_000_000;

/** What {@link memoizeTokenizer} counts: texts answered from memory, and texts (and their characters) tokenized. */
export interface TokenizerMemoStats {
  hits: number;
  misses: number;
  missChars: number;
}

/**
 * Makes `model.tokenizer` remember the tokens of the long texts it tokenized last (exact: llama.cpp's tokenizer is
 * deterministic for a model, and a text is looked up by the same flags it was tokenized with). Returns its counters.
 *
 * why: every chat request tokenizes its whole rendered prompt twice. The engine does it first, to refuse a prompt
 * that cannot fit the context and to pick the sequence whose KV cache shares the longest prefix; then
 * LlamaChat.generateResponse, which takes a history and no tokens, renders the same text with the same chat template
 * and tokenizes it again through `model.tokenizer` (its getContextWindow). Measured here with the Llama-2 tokenizer, a
 * 10-turn conversation's ~3,000 characters take ~1 ms to tokenize, a 128 KB prompt ~100 ms: the second pass is now a
 * lookup. Only `model.tokenizer` is replaced, the function the library hands to LlamaText; `model.tokenize` (the method)
 * stays as it was.
 */
export function memoizeTokenizer(model: LlamaModel, maxChars = MEMO_MAX_CHARS): TokenizerMemoStats {
  const base = model.tokenizer;
  const stats: TokenizerMemoStats = { hits: 0, misses: 0, missChars: 0 };
  // Insertion order is use order: a hit is moved to the end, the front is dropped first.
  const memo = new Map<string, readonly Token[]>();
  let heldChars = 0;
  const tokenize = (text: string, specialTokens?: boolean | 'builtin', options?: 'trimLeadingSpace'): Token[] => {
    if (specialTokens === 'builtin' || text.length < MEMO_MIN_CHARS || text.length > maxChars)
      return (base as (t: string, s?: boolean | 'builtin', o?: 'trimLeadingSpace') => Token[])(text, specialTokens, options);
    // The flags are part of the key: special-token parsing and the leading-space workaround change the tokens.
    const key = `${specialTokens === true ? 's' : '-'}${options === 'trimLeadingSpace' ? 't' : '-'}${text}`;
    const known = memo.get(key);
    if (known) {
      stats.hits++;
      memo.delete(key);
      memo.set(key, known);
      // A copy: callers own the array they get (the library pushes from it, a caller may change it).
      return known.slice();
    }
    const tokens = base(text, specialTokens, options);
    stats.misses++;
    stats.missChars += text.length;
    memo.set(key, tokens.slice());
    heldChars += text.length;
    for (const k of memo.keys()) {
      if (heldChars <= maxChars) break;
      memo.delete(k);
      heldChars -= k.length - 2;
    }
    return tokens;
  };
  const tokenizer = Object.assign(tokenize, {
    detokenize: base.detokenize,
    isSpecialToken: base.isSpecialToken,
    isEogToken: base.isEogToken,
  }) as Tokenizer;
  // `tokenizer` is a plain instance property the library reads wherever it tokenizes a LlamaText.
  Object.defineProperty(model, 'tokenizer', { value: tokenizer, configurable: true, enumerable: true, writable: false });
  return stats;
}
