import { describe, expect, it } from 'vitest';
import { wordLimitGuard } from './word-limit.js';

describe('wordLimitGuard', () => {
  it('lets a prompt at the limit go and keeps a longer one, naming both counts', () => {
    expect(wordLimitGuard('a b c', 3)).toEqual({ mayLeave: true });
    expect(wordLimitGuard('a b c d', 3)).toEqual({ mayLeave: false, reason: 'the prompt has 4 words, over the cloud limit of 3' });
    expect(wordLimitGuard('a b c d', undefined)).toEqual({ mayLeave: true });
  });
});
