// flashAttentionFor: plain attention on the CPU for heads under 64 wide, llama.cpp's own choice otherwise.
import { describe, expect, it } from 'vitest';
import { attentionHeadSize, FLASH_ATTENTION_MIN_HEAD_SIZE, flashAttentionFor } from './flash-attention.js';

describe('attentionHeadSize', () => {
  it('takes the declared key length first, else the width over the head count', () => {
    expect(attentionHeadSize({ embedding_length: 4096, attention: { head_count: 32, key_length: 128 } })).toBe(128);
    expect(attentionHeadSize({ embedding_length: 2048, attention: { head_count: 32 } })).toBe(64);
    expect(attentionHeadSize({ embedding_length: 8, attention: { head_count: 2 } })).toBe(4);
  });

  it('per-layer head counts: the most heads, so the smallest head', () => {
    expect(attentionHeadSize({ embedding_length: 1280, attention: { head_count: [10, 20, 0] } })).toBe(64);
  });

  it('undefined when the metadata does not say', () => {
    expect(attentionHeadSize(undefined)).toBeUndefined();
    expect(attentionHeadSize({ embedding_length: 64 })).toBeUndefined();
    expect(attentionHeadSize({ attention: { head_count: 4 } })).toBeUndefined();
    expect(attentionHeadSize({ embedding_length: 64, attention: { head_count: 0 } })).toBeUndefined();
  });
});

describe('flashAttentionFor', () => {
  it('off on the CPU under the threshold, auto from it on', () => {
    expect(FLASH_ATTENTION_MIN_HEAD_SIZE).toBe(64);
    expect(flashAttentionFor({ embedding_length: 8, attention: { head_count: 2 } }, false)).toBe(false);
    expect(flashAttentionFor({ embedding_length: 128, attention: { head_count: 4 } }, false)).toBe(false);
    expect(flashAttentionFor({ embedding_length: 128, attention: { head_count: 2 } }, false)).toBe('auto');
    expect(flashAttentionFor({ embedding_length: 4096, attention: { head_count: 32, key_length: 128 } }, false)).toBe('auto');
  });

  it('llama.cpp decides on the GPU and when the head size is unknown', () => {
    expect(flashAttentionFor({ embedding_length: 8, attention: { head_count: 2 } }, true)).toBe('auto');
    expect(flashAttentionFor(undefined, false)).toBe('auto');
  });
});
