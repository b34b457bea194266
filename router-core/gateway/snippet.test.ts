// snippetAround: the words around a search hit, cut at word boundaries, with ellipses where cut.
import { describe, expect, it } from 'vitest';
import { snippetAround } from './snippet.js';

describe('snippetAround', () => {
  it('keeps a short message whole, whitespace collapsed, case-insensitive', () => {
    expect(snippetAround('What is the\n\ncapital   of Australia?', 'CAPITAL')).toBe('What is the capital of Australia?');
  });

  it('cuts a long message around the hit at word boundaries, marking both cuts', () => {
    const words = Array.from({ length: 40 }, (_, i) => `word${i}`);
    words[20] = 'kangaroo';
    const s = snippetAround(words.join(' '), 'kangaroo', 20)!;
    expect(s).toBe('…word18 word19 kangaroo word21 word22…');
  });

  it('says nothing when the query does not occur or is blank', () => {
    expect(snippetAround('hello', 'bye')).toBeUndefined();
    expect(snippetAround('hello', '  ')).toBeUndefined();
  });
});
