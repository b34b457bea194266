// The pattern indexer: which groups of regexes can match where in a text, from one trie walk instead of one regex scan per group.
//
// Running ~90 alternation regexes over every window costs hundreds of µs. Instead we derive from each pattern the
// literal prefixes that EVERY match must start with (e.g. "prove", "proof" for the proof group), put them in one
// trie, walk that trie once per text window from each word start (and each occurrence of a rarer start character:
// CJK, Cyrillic, '<', '≤', …), and then try a group's regex only at the positions where one of its prefixes occurs
// (sticky matching). A pattern whose prefixes cannot be derived keeps a full scan. This is exact: a match can only
// begin where its required prefix occurs (tests check it against plain regex scans).
import { addPrefix, child, flattenTrie, newNode, type FlatTrie } from './hash-trie.js';
import { anchored, parseRegex, prefixes, startAnchored } from './regex-prefixes.js';
import type { TextScratch } from './scratch.js';

/** A named group of regex sources (any one matching is a match of the group). */
export interface PatternGroup {
  id: string;
  patterns: readonly string[];
}

/** The index of a list of pattern groups; group g is the g-th of that list. Immutable once built. */
export interface PatternIndex {
  readonly groupCount: number;
  readonly trie: FlatTrie;
  /** Sticky regex per group, tried only at candidate positions. */
  readonly sticky: readonly RegExp[];
  /** Plain regex per group, for groups that could not be indexed. */
  readonly scan: readonly RegExp[];
  /** Groups with at least one pattern we could not index: scanned in full. */
  readonly unindexed: Uint8Array;
  /**
   * Groups whose every alternative starts with ^ (no m flag): their candidates are those of a walk from position 0
   * alone. why: the 'whole' scope serves such groups, and walking all of it for them was a second walk per prompt.
   */
  readonly startOnly: Uint8Array;
  /** First characters of prefixes that may start anywhere (not only at a word start): CJK, punctuation, … */
  readonly anywhereFirst: ReadonlySet<number>;
  /** The same set as a 64 Ki lookup table (one byte per UTF-16 code unit): the walk tests it for every character. */
  readonly anywhereTable: Uint8Array;
  /** Patterns that cannot use the index, as "group: source". */
  readonly unindexedSources: readonly string[];
}

export const isWordCode = (c: number): boolean => (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 95 || (c >= 65 && c <= 90);

const joined = (g: PatternGroup, flags: string): RegExp => new RegExp(g.patterns.map((p) => `(?:${p})`).join('|'), flags);

/** Builds the prefix index of every group. */
export function buildPatternIndex(groups: readonly PatternGroup[]): PatternIndex {
  const steps = patternIndexSteps(groups);
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/**
 * {@link buildPatternIndex} one group at a time: each next() adds one group's prefixes to the trie, the last one
 * flattens the trie and returns the index (the same index). why: the whole build takes tens of ms on this VM, too long
 * to hold the event loop in one piece while a server that just started answers its first requests.
 */
export function* patternIndexSteps(groups: readonly PatternGroup[]): Generator<void, PatternIndex, void> {
  const root = newNode();
  const unindexed = new Uint8Array(groups.length);
  const startOnly = new Uint8Array(groups.length);
  const anywhereFirst = new Set<number>();
  const anywhereTable = new Uint8Array(65536);
  const unindexedSources: string[] = [];
  for (let g = 0; g < groups.length; g++) {
    if (g > 0) yield;
    const { id, patterns } = groups[g]!;
    startOnly[g] = 1;
    for (const src of patterns) {
      for (const alt of parseRegex(src)) {
        if (!startAnchored(alt)) startOnly[g] = 0;
        const pre = [...new Set(prefixes(alt, 0, 0))];
        // Usable if every prefix is non-empty. Prefixes of a \b/^-anchored pattern that start with a word
        // character are looked for at word starts; any other prefix at every occurrence of its first character.
        const wordStart = anchored(alt);
        if (!pre.every((p) => p !== '')) {
          unindexed[g] = 1;
          unindexedSources.push(`${id}: ${src}`);
          continue;
        }
        for (const p of pre) {
          const c = p.charCodeAt(0);
          if (wordStart && isWordCode(c)) continue;
          anywhereFirst.add(c);
          anywhereTable[c] = 1;
        }
        for (const p of pre) addPrefix(root, p, g);
      }
    }
  }
  yield;
  const sticky = groups.map((g) => joined(g, 'y'));
  const scan = groups.map((g) => joined(g, 'g'));
  return {
    groupCount: groups.length,
    trie: flattenTrie(root),
    sticky,
    scan,
    unindexed,
    startOnly,
    anywhereFirst,
    anywhereTable,
    unindexedSources,
  };
}

/**
 * Candidate start positions of one text window, grouped, in one plain array (why not typed: a small typed array's
 * off-heap store is slower to allocate): entries [0, G] are offsets, and positions of group g are
 * `cands[G + 1 + cands[g]] .. cands[G + 1 + cands[g + 1] - 1]`, ascending.
 */
export type Candidates = number[];

/** A range restriction on match starts: [0, headEnd) ∪ [tailStart, ∞). */
export interface StartRange {
  headEnd: number;
  tailStart: number;
}

export const ANY_START: StartRange = { headEnd: Infinity, tailStart: Infinity };

/**
 * Walk the prefix trie from position 0, every word start, and every character that can start an unanchored prefix;
 * with `starts` = 1, from position 0 only (the candidates of start-anchored groups).
 */
export function indexText(ix: PatternIndex, text: string, scratch: TextScratch, starts: number = text.length): Candidates {
  const G = ix.groupCount;
  scratch.forGroups(G);
  const last = scratch.lastHit;
  let hits = scratch.hits; // flat (g, p) pairs, in p order; grown on demand
  let nHits = 0;
  let prevWord = false;
  const t = ix.trie;
  const anywhereTable = ix.anywhereTable;
  const groupStart = t.groupStart;
  const groupList = t.groupList;
  const codes = scratch.units.of(text);
  const n = text.length;
  const walkEnd = Math.min(n, starts);
  for (let p = 0; p < walkEnd; p++) {
    const c = codes[p]!;
    const word = isWordCode(c);
    if ((word && !prevWord) || p === 0 || anywhereTable[c] === 1) {
      let node = c < 128 ? t.rootAscii[c]! : child(t, 0, c);
      for (let j = p + 1; node !== -1; j++) {
        const gEnd = groupStart[node + 1]!;
        for (let k = groupStart[node]!; k < gEnd; k++) {
          const g = groupList[k]!;
          if (last[g] !== p) {
            last[g] = p;
            if (nHits + 2 > hits.length) {
              const grown = new Int32Array(hits.length * 2);
              grown.set(hits);
              hits = scratch.hits = grown;
            }
            hits[nHits++] = g;
            hits[nHits++] = p;
          }
        }
        node = j < n ? child(t, node, codes[j]!) : -1;
      }
    }
    prevWord = word;
  }
  return sortByGroup(G, hits, nHits, scratch);
}

/** The (g, p) hits as Candidates: a counting sort by group (stable, so positions stay ascending); resets lastHit. */
function sortByGroup(G: number, hits: Int32Array, nHits: number, scratch: TextScratch): Candidates {
  const last = scratch.lastHit;
  const out = new Array<number>(G + 1 + nHits / 2).fill(0);
  for (let k = 0; k < nHits; k += 2) {
    out[hits[k]! + 1]!++;
    last[hits[k]!] = -1;
  }
  for (let g = 0; g < G; g++) out[g + 1]! += out[g]!;
  const fill = scratch.fill;
  for (let g = 0; g < G; g++) fill[g] = G + 1 + out[g]!;
  for (let k = 0; k < nHits; k += 2) out[fill[hits[k]!]!++] = hits[k + 1]!;
  return out;
}

const inRange = (p: number, r: StartRange): boolean => p < r.headEnd || p >= r.tailStart;

/** Does group g match in text, starting inside range r (exactly like a regex tried at each such start)? */
export function groupTest(ix: PatternIndex, g: number, text: string, cands: Candidates, r: StartRange): boolean {
  if (ix.unindexed[g] === 1) {
    const re = ix.scan[g]!;
    let hit = false;
    re.lastIndex = 0;
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      if (inRange(m.index, r)) {
        hit = true;
        break;
      }
      re.lastIndex = m.index + 1;
    }
    re.lastIndex = 0;
    return hit;
  }
  const re = ix.sticky[g]!;
  const base = ix.groupCount + 1;
  for (let k = base + cands[g]!; k < base + cands[g + 1]!; k++) {
    const p = cands[k]!;
    if (!inRange(p, r)) continue;
    re.lastIndex = p;
    if (re.test(text)) return true;
  }
  return false;
}

/** Count non-overlapping matches of group g in the whole text (as a global scan would), up to cap. */
export function groupCount(ix: PatternIndex, g: number, text: string, cands: Candidates, cap: number): number {
  if (ix.unindexed[g] === 1) return countMatches(ix.scan[g]!, text, cap);
  const re = ix.sticky[g]!;
  let n = 0;
  let end = 0;
  const base = ix.groupCount + 1;
  for (let k = base + cands[g]!; k < base + cands[g + 1]!; k++) {
    const p = cands[k]!;
    if (p < end) continue;
    re.lastIndex = p;
    // A sticky test leaves lastIndex at the match end: no match array is allocated.
    if (re.test(text)) {
      n++;
      end = Math.max(p + 1, re.lastIndex);
      if (n >= cap) break;
    }
  }
  return n;
}

/** Matches of the global regex `re` in `text`, up to `cap`; leaves `re.lastIndex` at 0. */
export function countMatches(re: RegExp, text: string, cap = Infinity): number {
  re.lastIndex = 0;
  let n = 0;
  while (n < cap && re.exec(text) !== null) n++;
  re.lastIndex = 0;
  return n;
}
