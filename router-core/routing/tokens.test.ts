// Token estimate: errs on the high side by character class; checked against the real Llama-2 tokenizer by bench/token-estimate.ts.
import { describe, expect, it } from 'vitest';
import { estimateRequestTokens, estimateTokens, formatTokens, TokenCache, TOKENS_PER_MESSAGE, TOKENS_PER_REQUEST } from './tokens.js';

describe('estimateTokens', () => {
  it('counts by character class: a word at least one, ~3.3 letters a token, digits and punctuation one each, CJK two, emoji four', () => {
    expect(estimateTokens('')).toBe(0);
    expect(estimateTokens('word')).toBe(2); // 1.2 → 2
    expect(estimateTokens('word '.repeat(100))).toBe(130); // 1 for a word's first three letters, 0.3 a letter after
    expect(estimateTokens('1234567890')).toBe(10);
    expect(estimateTokens('a 1')).toBe(3); // the word 1, the lone "▁" 1, the digit 1
    expect(estimateTokens('();')).toBe(3);
    expect(estimateTokens('机器学习')).toBe(8);
    expect(estimateTokens('😀')).toBe(4);
    expect(estimateTokens('\n\n')).toBe(2);
    expect(estimateTokens('        x')).toBe(5); // a leading run of spaces costs half a token each
  });

  it('is stable for the same text whether or not it was seen before (the per-message cache)', () => {
    const long = 'The report covers sales and hiring in detail. '.repeat(40);
    const request = { model: 'auto', params: {}, messages: [{ role: 'user' as const, content: long }] };
    const cache = new TokenCache();
    const first = estimateRequestTokens(request, cache);
    expect(estimateRequestTokens(request, cache)).toBe(first);
    expect(cache.byText.size).toBe(1);
    expect(first).toBe(TOKENS_PER_REQUEST + TOKENS_PER_MESSAGE + estimateTokens(long));
  });

  it('formats counts with thousands separators', () => {
    expect(formatTokens(2048)).toBe('2,048');
    expect(formatTokens(1_234_567)).toBe('1,234,567');
    expect(formatTokens(12)).toBe('12');
  });
});
