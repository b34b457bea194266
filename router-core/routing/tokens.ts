// Token estimate for context fit: a one-pass character-class count that errs high, so a "fits" verdict is safe.
import type { ChatRequest } from '../contracts/chat.js';

/*
 * Tokens per character, by class. Each weight is an upper bound for the tokenizers of the catalog's models
 * (Llama-2 SentencePiece for TinyLlama, Mistral's, Phi-2's GPT-2 BPE, Qwen's and Llama-3's tiktoken-style BPE):
 * - ASCII letters: a word (run of letters) costs at least 1, and 0.3 a letter past its third (one token per 3.3
 *   letters): short common words are one token each ("▁the", "▁fox"), longer and rarer words and identifiers split
 *   more (camelCase, snake_case pieces), and 3.3 letters a token leaves margin for code.
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
 * Measured against the real Llama-2 vocabulary (../shared/models/llama-2-tiny-random.gguf) by bench/token-estimate.ts.
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
 * Room a model's context must have left for the answer (or max_tokens, when smaller). why: 256 tokens is a few
 * paragraphs, a full answer to a chat question; a model with less room left would cut an ordinary answer off
 * mid-sentence. A larger max_tokens is a limit, not a demand: the answer is capped at what the context leaves (SDKs
 * send 4,096 by default, which would otherwise push every request past the 2,048-token local models).
 */
export const MIN_ANSWER_TOKENS = 256;

/**
 * Tenths of a token per ASCII character (the weights above, ×10 so the loop adds small integers): letters 3,
 * digits/punctuation/control 10, space 0 (its run and lone-piece cases are handled in the loop).
 */
const ASCII_TENTHS = (() => {
  const t = new Uint8Array(128).fill(10);
  for (let c = 0x41; c <= 0x5a; c++) t[c] = LETTER * 10;
  for (let c = 0x61; c <= 0x7a; c++) t[c] = LETTER * 10;
  t[0x20] = 0;
  return t;
})();
const IS_LETTER = (() => {
  const t = new Uint8Array(128);
  for (let c = 0x41; c <= 0x5a; c++) t[c] = 1;
  for (let c = 0x61; c <= 0x7a; c++) t[c] = 1;
  return t;
})();

/** An upper-side estimate of the tokens `text` takes on the catalog's tokenizers (never under-counts plain prose). */
export function estimateTokens(text: string): number {
  // Tenths of a token, as an integer (one table lookup per ASCII character: this runs over whole conversations).
  let tenths = 0;
  // What the previous character was: 0 other, 1 a space, 2 a control character (newline, tab) or the start.
  let prev = 2;
  // Letters so far in the current word.
  let run = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) {
      if (c === 0x20) {
        run = 0;
        if (prev !== 0) tenths += SPACE_RUN * 10;
        prev = 1;
        continue;
      }
      if (IS_LETTER[c] === 1) {
        // A word's first letter is its first token; the next two ride on it; then 0.3 a letter.
        run++;
        tenths += run === 1 ? 10 : run <= 3 ? 0 : ASCII_TENTHS[c]!;
        prev = 0;
        continue;
      }
      run = 0;
      tenths += ASCII_TENTHS[c]!;
      // A digit or punctuation after a space: the "▁" stands alone.
      if (prev === 1 && c > 0x20) tenths += 10;
      prev = c < 0x20 || c === 0x7f ? 2 : 0;
    } else {
      run = 0;
      if (c < 0x800) tenths += 10;
      else if (c >= 0xd800 && c <= 0xdfff) tenths += SURROGATE * 10 + (prev === 1 ? 10 : 0);
      else tenths += BMP_WIDE * 10;
      prev = 0;
    }
  }
  return Math.ceil(tenths / 10);
}

/**
 * Token estimates of long messages already seen (a chat resends its history with every turn), an LRU keyed by the
 * text. Owned by the caller (routing/state.ts); a call given none counts every message.
 */
export class TokenCache {
  readonly byText = new Map<string, number>();
}
/** why: counting a short message costs less than hashing it for a lookup; history turns are mostly longer. */
const CACHE_MIN_CHARS = 256;
/** why: five hundred recent messages cover the history of the live conversations of a busy desktop or small server. */
const CACHE_ENTRIES = 512;
/** why: longer messages (pasted documents) are counted again: the cache then holds at most 512 × 16K chars (16 MB). */
const CACHE_MAX_CHARS = 16_384;

/** {@link estimateTokens}, remembered in `cache` for long messages. */
function messageEstimate(text: string, cache: TokenCache): number {
  if (text.length < CACHE_MIN_CHARS || text.length > CACHE_MAX_CHARS) return estimateTokens(text);
  const messageTokens = cache.byText;
  const hit = messageTokens.get(text);
  if (hit !== undefined) {
    messageTokens.delete(text);
    messageTokens.set(text, hit);
    return hit;
  }
  const n = estimateTokens(text);
  messageTokens.set(text, n);
  if (messageTokens.size > CACHE_ENTRIES) messageTokens.delete(messageTokens.keys().next().value!);
  return n;
}

/**
 * The tokens a request's prompt takes: every message (with tool calls and results) plus template overhead, and the
 * tool specs when tools are offered (their JSON goes into the prompt).
 */
export function estimateRequestTokens(request: ChatRequest, cache: TokenCache = new TokenCache()): number {
  let n = TOKENS_PER_REQUEST;
  for (const m of request.messages) {
    n += TOKENS_PER_MESSAGE + messageEstimate(m.content, cache);
    if (m.toolCalls) for (const c of m.toolCalls) n += estimateTokens(c.name) + estimateTokens(c.arguments) + TOKENS_PER_MESSAGE;
  }
  if (request.tools && request.tools.length > 0) n += estimateTokens(JSON.stringify(request.tools));
  return n;
}

/** The room the answer needs in the context: the caller's max_tokens up to {@link MIN_ANSWER_TOKENS}. */
export function answerBudget(request: ChatRequest): number {
  return Math.min(request.params.maxTokens ?? MIN_ANSWER_TOKENS, MIN_ANSWER_TOKENS);
}

/** "12,400": thousands separators without Intl (pure code: no locale lookup). */
export function formatTokens(n: number): string {
  return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** why: English averages ~4 characters a token and code or CJK run denser, so 3 over-estimates money and reports safely. */
const QUICK_CHARS_PER_TOKEN = 3;

/**
 * The quick prompt estimate for money and reports, where no tokenizer is at hand: 3 characters a token over every
 * message, tool call and offered tool spec, plus {@link TOKENS_PER_MESSAGE} of template markup a message. Budget
 * reservations, a cut stream's recorded input, Anthropic's count_tokens and message_start, and Ollama's missing
 * prompt counts all use it. (Context fit uses {@link estimateRequestTokens}, which counts by character class.)
 */
export function estimatePromptTokens(request: Pick<ChatRequest, 'messages' | 'tools'>): number {
  let chars = 0;
  for (const m of request.messages) {
    chars += m.content.length;
    for (const c of m.toolCalls ?? []) chars += c.name.length + c.arguments.length;
  }
  if (request.tools && request.tools.length > 0) chars += JSON.stringify(request.tools).length;
  return Math.ceil(chars / QUICK_CHARS_PER_TOKEN) + TOKENS_PER_MESSAGE * request.messages.length;
}

/** The quick estimate of a bare text (embedding inputs): at least 1. */
export function estimateTextTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / QUICK_CHARS_PER_TOKEN));
}
