// Token estimate for context fit: a one-pass character-class count that errs high, so a "fits" verdict is safe.
import type { ChatRequest } from '../contracts/chat.js';

/*
 * Tokens per character, by class. Each weight is an upper bound for the tokenizers of the catalog's models
 * (Llama-2 SentencePiece for TinyLlama, Mistral's, Phi-2's GPT-2 BPE, Qwen's and Llama-3's tiktoken-style BPE):
 * - ASCII letters 0.3 (one token per 3.3 letters): English words average ~4 letters a token on these vocabularies,
 *   rarer words and identifiers split more (camelCase, snake_case pieces), so 3.3 leaves margin for code.
 * - digits 1: Llama-2, Mistral and Qwen split numbers into single digits.
 * - ASCII punctuation 1: code is punctuation-heavy; some pairs merge ("()", "->"), never fewer than 1 per 2 chars,
 *   so counting each one is the safe side.
 * - a space after a non-space 0: it merges into the next word's piece ("▁word", "Ġword"); but before a digit,
 *   punctuation or an emoji it stands alone as "▁" (Llama-2 splits " 42" into "▁", "4", "2"), so those cost 1 more.
 * - a space after whitespace 0.5: runs of spaces (indentation) have multi-space pieces on every catalog
 *   vocabulary, but short runs can cost one each.
 * - newline, tab and other control characters 1: Llama-2 encodes "\n" as the byte token <0x0A>.
 * - non-ASCII below U+0800 (accented Latin, Greek, Cyrillic, Hebrew, Arabic) 1: two UTF-8 bytes, often merged.
 * - U+0800 and above (CJK, Indic, Thai...) 2: three UTF-8 bytes; Llama-2 has pieces for only ~700 common CJK
 *   characters and falls back to bytes for the rest (up to 3 tokens), newer vocabularies take ~1 a character.
 * - each half of a surrogate pair (emoji, rare CJK) 2: four UTF-8 bytes, byte fallback = 4 tokens a code point.
 * Measured against the real Llama-2 vocabulary (../shared/models/llama-2-tiny-random.gguf) in tokens.test.ts.
 */
const LETTER = 0.3;
const SPACE_RUN = 0.5;
const BMP_WIDE = 2;
const SURROGATE = 2;
/**
 * Chat-template tokens each message adds (role markers and separators: ChatML's "<|im_start|>user\n…<|im_end|>\n"
 * is 5, Llama-2's "[INST] … [/INST]" 6, Phi-3's 4), rounded up.
 */
export const TOKENS_PER_MESSAGE = 8;
/** BOS plus the open assistant turn the template ends with (ChatML "<|im_start|>assistant\n": 3-4), rounded up. */
export const TOKENS_PER_REQUEST = 8;

/**
 * Room for the answer when the request sets no max_tokens. why: 256 tokens is a few paragraphs, a full answer to a
 * chat question; a model with less room left than that would cut an ordinary answer off mid-sentence, which is the
 * truncation the context check exists to prevent. (Engines then cap output to what really remains.)
 */
export const MIN_ANSWER_TOKENS = 256;

/** True when the character before `i` is a single space (not the start of a run): the "▁" that cannot merge. */
function afterSpace(text: string, i: number): boolean {
  return i > 0 && text.charCodeAt(i - 1) === 0x20;
}

/** An upper-side estimate of the tokens `text` takes on the catalog's tokenizers (never under-counts plain prose). */
export function estimateTokens(text: string): number {
  let t = 0;
  let prevSpace = true;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) {
      if ((c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a)) {
        t += LETTER;
        prevSpace = false;
      } else if (c === 0x20) {
        if (prevSpace) t += SPACE_RUN;
        prevSpace = true;
      } else if (c < 0x20 || c === 0x7f) {
        t += 1;
        prevSpace = true;
      } else {
        // Digits and punctuation (and the lone space piece before them).
        t += afterSpace(text, i) ? 2 : 1;
        prevSpace = false;
      }
    } else {
      t += c < 0x800 ? 1 : c >= 0xd800 && c <= 0xdfff ? SURROGATE + (afterSpace(text, i) ? 1 : 0) : BMP_WIDE;
      prevSpace = false;
    }
  }
  return Math.ceil(t);
}

/**
 * The tokens a request's prompt takes: every message (with tool calls and results) plus template overhead, and the
 * tool specs when tools are offered (their JSON goes into the prompt).
 */
export function estimateRequestTokens(request: ChatRequest): number {
  let n = TOKENS_PER_REQUEST;
  for (const m of request.messages) {
    n += TOKENS_PER_MESSAGE + estimateTokens(m.content);
    if (m.toolCalls) for (const c of m.toolCalls) n += estimateTokens(c.name) + estimateTokens(c.arguments) + TOKENS_PER_MESSAGE;
  }
  if (request.tools && request.tools.length > 0) n += estimateTokens(JSON.stringify(request.tools));
  return n;
}

/** The room the answer needs: the caller's max_tokens, else {@link MIN_ANSWER_TOKENS}. */
export function answerBudget(request: ChatRequest): number {
  return request.params.maxTokens ?? MIN_ANSWER_TOKENS;
}

/** "12,400": thousands separators without Intl (pure code: no locale lookup). */
export function formatTokens(n: number): string {
  return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}
