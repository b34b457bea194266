// The keyword automaton finds every listed word in one pass, overlapping ones included, with its \b-before and \s-after conditions.
import { describe, expect, it } from 'vitest';
import { buildKeywordAutomaton, familiesAt, KW_OUT, type Keyword } from './keyword-automaton.js';

/** Letters a-z (either case) and space; everything else one "other" symbol. */
const of = new Uint8Array(128).fill(27);
for (let c = 0; c < 26; c++) of[97 + c] = of[65 + c] = c;
of[32] = 26;
const alphabet = { of, size: 28, other: 27 };

/** The families the automaton reports over `text`, as a regex per word would find them. */
function families(words: readonly Keyword[], text: string): number {
  const ac = buildKeywordAutomaton(words, alphabet);
  const codes = Uint16Array.from(text, (ch) => ch.charCodeAt(0));
  let base = 0;
  let found = 0;
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i]!;
    const t = ac.next[base + (c < 128 ? of[c]! : alphabet.other)]!;
    base = t & (KW_OUT - 1);
    if (t >= KW_OUT) found |= familiesAt(ac, base, codes, i, codes.length);
  }
  return found;
}

describe('keyword automaton', () => {
  const words: Keyword[] = [
    { word: 'he', family: 1, wordStart: false },
    { word: 'she', family: 2, wordStart: false },
    { word: 'hers', family: 4, wordStart: true },
    { word: 'pin', family: 8, wordStart: true, spaceAfter: true },
  ];

  it('finds overlapping words, a word inside another, and folds case', () => {
    expect(families(words, 'ushers')).toBe(1 | 2);
    expect(families(words, 'USHERS')).toBe(1 | 2);
    expect(families(words, 'a hers b')).toBe(1 | 4);
    expect(families(words, 'nothing here')).toBe(1);
    expect(families(words, 'xyz')).toBe(0);
  });

  it('keeps the \\b before and the \\s after a word', () => {
    expect(families(words, 'the pin is 1234')).toBe(1 | 8);
    expect(families(words, 'pinned')).toBe(0);
    expect(families(words, 'spin it')).toBe(0);
    expect(families(words, 'pin')).toBe(0);
    expect(families(words, 'pin\u00a0code')).toBe(8);
  });
});
