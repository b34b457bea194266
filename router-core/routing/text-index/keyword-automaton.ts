// A keyword matcher: an Aho-Corasick automaton over a small alphabet, as one transition table, walked one code unit at a time.
//
// Finds every listed word in one pass over a text, whatever their number; each word carries a family bit, and may ask
// for a word boundary before it (as a regex's \b) or a white-space character after it (as \s).

/** A word to find, the family bit it sets, and the conditions around it. */
export interface Keyword {
  word: string;
  family: number;
  /** A word boundary (\b) right before the word. */
  wordStart: boolean;
  /** A white-space character (\s) right after the word. */
  spaceAfter?: boolean;
}

/** The symbols of an alphabet: `of[c]` for each ASCII code c; every code outside it is `other`. */
export interface Alphabet {
  of: Uint8Array;
  size: number;
  other: number;
}

/** Flag of a transition into a state where a word ends (the one test on the common path). */
export const KW_OUT = 1 << 24;

/** The automaton as a full transition table, with what ends at each state (failure links folded in). */
export interface KeywordAutomaton {
  /** Symbols per state. */
  symbols: number;
  /** next[s * symbols + symbol] = t * symbols, plus KW_OUT when a word ends at t (no multiply on the walk). */
  next: Int32Array;
  /** Families of words without \b or \s conditions that end at state s. */
  anyMask: Uint8Array;
  /** Words with conditions that end at s: triples (length, family, \s after) in bounded[boundedStart[s] .. boundedStart[s + 1]). */
  boundedStart: Int32Array;
  bounded: Int32Array;
}

export function buildKeywordAutomaton(words: readonly Keyword[], alphabet: Alphabet): KeywordAutomaton {
  const S = alphabet.size;
  const goto: number[][] = [new Array<number>(S).fill(-1)];
  const ends: Keyword[][] = [[]];
  for (const k of words) {
    let s = 0;
    for (const ch of k.word) {
      const sym = alphabet.of[ch.charCodeAt(0)]!;
      if (goto[s]![sym] === -1) {
        goto[s]![sym] = goto.length;
        goto.push(new Array<number>(S).fill(-1));
        ends.push([]);
      }
      s = goto[s]![sym]!;
    }
    ends[s]!.push(k);
  }
  const next = transitions(goto, ends, S);
  return { symbols: S, next, ...endTables(ends) };
}

/** The full transition table (breadth-first failure links folded in); ends[s] gains the words of s's failure state. */
function transitions(goto: number[][], ends: Keyword[][], S: number): Int32Array {
  const n = goto.length;
  const fail = new Array<number>(n).fill(0);
  const next = new Int32Array(n * S);
  const order: number[] = [];
  for (let a = 0; a < S; a++) {
    const t = goto[0]![a]!;
    next[a] = t === -1 ? 0 : t;
    if (t !== -1) order.push(t);
  }
  for (let q = 0; q < order.length; q++) {
    const s = order[q]!;
    ends[s]!.push(...ends[fail[s]!]!);
    for (let a = 0; a < S; a++) {
      const t = goto[s]![a]!;
      if (t === -1) next[s * S + a] = next[fail[s]! * S + a]!;
      else {
        fail[t] = next[fail[s]! * S + a]!;
        next[s * S + a] = t;
        order.push(t);
      }
    }
  }
  if (n * S >= KW_OUT) throw new Error(`keyword automaton too large (${n} states)`);
  for (let i = 0; i < next.length; i++) {
    const t = next[i]!;
    next[i] = t * S + (ends[t]!.length > 0 ? KW_OUT : 0);
  }
  return next;
}

function endTables(ends: Keyword[][]): Pick<KeywordAutomaton, 'anyMask' | 'boundedStart' | 'bounded'> {
  const n = ends.length;
  const anyMask = new Uint8Array(n);
  const boundedStart = new Int32Array(n + 1);
  const triples: number[] = [];
  for (let s = 0; s < n; s++) {
    for (const k of ends[s]!) {
      if (k.wordStart || k.spaceAfter === true) triples.push(k.word.length, k.family, k.spaceAfter === true ? 1 : 0);
      else anyMask[s] = anyMask[s]! | k.family;
    }
    boundedStart[s + 1] = triples.length;
  }
  return { anyMask, boundedStart, bounded: Int32Array.from(triples) };
}

/**
 * The families of the words ending at code unit i, where the walk reached `base` (a transition's value less KW_OUT):
 * those without conditions, and those whose \b before and \s after hold in `codes` (n units).
 */
export function familiesAt(ac: KeywordAutomaton, base: number, codes: Uint16Array, i: number, n: number): number {
  const st = base / ac.symbols;
  let families = ac.anyMask[st]!;
  for (let e = ac.boundedStart[st]!; e < ac.boundedStart[st + 1]!; e += 3) {
    const start = i + 1 - ac.bounded[e]!;
    if (start > 0 && isWordUnit(codes[start - 1]!)) continue;
    if (ac.bounded[e + 2] === 1 && !(i + 1 < n && isSpaceUnit(codes[i + 1]!))) continue;
    families |= ac.bounded[e + 1]!;
  }
  return families;
}

/** What \s matches (ECMAScript WhiteSpace and LineTerminator). */
export function isSpaceUnit(c: number): boolean {
  return (
    (c >= 9 && c <= 13) ||
    c === 32 ||
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

/** [A-Za-z0-9_]: what \b looks at. */
export function isWordUnit(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95;
}
