// Prompt feature extractors for the complexity estimate: script-aware length, code, structure, pattern hits → numbers with reasons.
import { lowResourceScriptRanges, patternGroups, scriptWeights, type PatternGroupId } from '../data/keywords.js';
import { codeUnits } from './code-units.js';

/** A feature value in [0,1] with the human-readable reason it has that value. */
export interface FactorValue {
  value: number;
  reason: string;
}

/** Where a pattern group is looked for. */
export type Scope =
  /** The instruction part: the whole prose of a normal prompt, or the head + tail of a long one. */
  | 'ask'
  /** Matches starting in the first or last EDGE_WINDOW_CHARS of the ask window: where the ask of a long input sits. */
  | 'edges'
  /** The whole prompt, trimmed (its first WHOLE_CAP characters); for anchored patterns on short prompts. */
  | 'whole';

/** Code found in the prompt. */
export interface CodeStats {
  /** Number of fenced (```) blocks. */
  fencedBlocks: number;
  /** Lines that look like code (inside fences, or code-shaped lines outside them). */
  codeLines: number;
  /** Characters inside fenced blocks. */
  fencedChars: number;
}

/** Everything the estimator needs to know about one prompt; pattern tests are lazy and memoised. */
export interface PromptFeatures {
  /** Raw length in UTF-16 code units. */
  chars: number;
  /** Script-aware length of the whole prompt (CJK characters weigh ≈ 3 Latin ones; long prose scaled from the ask window). */
  effLength: number;
  /** Script-aware length of the prose (prompt minus fenced code). */
  proseEffLength: number;
  /** Script-aware length of the ask window. */
  askEffLength: number;
  /** The prompt carries a long input (article, thread, code) beside its ask. */
  longInput: boolean;
  /** Code in the prompt. */
  code: CodeStats;
  /** Share of characters in CJK scripts (0..1), measured on the ask window. */
  cjkShare: number;
  /** Ask window written mostly in a script low-resource for local models (Kannada, Amharic, ...). */
  lowResourceScript: boolean;
  /** Numbers in the ask (word-problem density). */
  readonly numberCount: number;
  /** List items / numbered requirement lines in the prose. */
  readonly listItems: number;
  /** Names a statute ("the Fair Labor Standards Act", "GDPR Article 17"): read on the original casing. */
  readonly namedLaw: boolean;
  /** Asks for a non-round word count of 100+ (e.g. "a 999-word poem"), i.e. an exact-count constraint. */
  readonly exactWordCount: boolean;
  /** Does pattern group `id` match in `scope` (default 'ask')? */
  has(id: PatternGroupId, scope?: Scope): boolean;
  /** How many matches (up to `cap`) of group `id` in the ask window (memoised). */
  count(id: PatternGroupId, cap?: number): number;
  /** has() by group number (groupNumber(id)): the same memo, without the name lookup, for callers that test every group. */
  hasGroup(g: number, scope?: Scope): boolean;
  /** count() by group number (groupNumber(id)). */
  countGroup(g: number, cap?: number): number;
  /** The (lower-cased) text a scope looks at; for tests and debugging, never shown to users. */
  text(scope: Scope): string;
  /** Where matches of a scope may start in text(scope): [0, headEnd) ∪ [tailStart, ∞). */
  startRange(scope: Scope): { headEnd: number; tailStart: number };
}

/**
 * A prompt whose prose exceeds this script-aware length is read as "long input + ask".
 * why: the rule-2 examples start at a few paragraphs (≈ 150+ words ≈ 900 chars); shorter prompts are all ask.
 */
export const LONG_INPUT_EFF_CHARS = 900;
/**
 * Characters taken from each end of a long prose as its ask window.
 * why: instructions sit at the start or end of pasted material, and scanning only the ends keeps the cost
 * of a 4,000-character prompt flat (regex time grows with the text scanned).
 */
export const ASK_WINDOW_CHARS = 400;
/**
 * The 'whole' scope keeps at most this many characters. why: it serves anchored patterns (a bare greeting,
 * bare arithmetic) that only ever match short prompts, so scanning a long prompt in full is wasted work.
 */
export const WHOLE_CAP = 300;
/** Characters from each end used for the narrower 'edges' scope (where a trivial ask would be). */
export const EDGE_WINDOW_CHARS = 250;

// ── Pattern index ────────────────────────────────────────────────────────────────────────────
// Running ~90 alternation regexes over every window costs hundreds of µs. Instead, at module load we
// derive from each pattern the literal prefixes that EVERY match must start with (e.g. "prove", "proof"
// for the proof group), put them in one trie, walk that trie once per text window from each word start
// (and each occurrence of a rarer start character: CJK, Cyrillic, '<', '≤', …), and then try a group's regex only at the positions where one of its
// prefixes occurs (sticky matching). A pattern whose prefixes cannot be derived keeps a full scan.
// This is exact: a match can only begin where its required prefix occurs (tests check it against
// plain regex scans).

type ReNode =
  | { t: 'lit'; c: string }
  | { t: 'set'; cs: string[] | null }
  | { t: 'assert'; anchor: boolean; start?: true }
  | { t: 'alt'; alts: ReNode[][] }
  | { t: 'rep'; n: ReNode; min: number; max: number };

/** Parse the subset of JS regex syntax used in data/keywords.ts into a small AST. */
function parseRegex(src: string): ReNode[][] {
  let i = 0;
  const parseAlt = (): ReNode[][] => {
    const alts: ReNode[][] = [parseSeq()];
    while (src[i] === '|') {
      i++;
      alts.push(parseSeq());
    }
    return alts;
  };
  const parseSeq = (): ReNode[] => {
    const seq: ReNode[] = [];
    while (i < src.length && src[i] !== '|' && src[i] !== ')') {
      let atom = parseAtom();
      const q = /^(?:\?|\*|\+|\{(\d+)(,(\d*))?\})/.exec(src.slice(i, i + 12));
      if (q) {
        i += q[0].length;
        if (src[i] === '?') i++;
        let min = 0;
        let max = 1;
        if (q[0] === '*') max = Infinity;
        else if (q[0] === '+') {
          min = 1;
          max = Infinity;
        } else if (q[0] !== '?') {
          min = Number(q[1]);
          max = q[2] === undefined ? min : q[3] === '' ? Infinity : Number(q[3]);
        }
        atom = { t: 'rep', n: atom, min, max };
      }
      seq.push(atom);
    }
    return seq;
  };
  const parseAtom = (): ReNode => {
    const ch = src[i++]!;
    if (ch === '(') {
      let look = false;
      if (src[i] === '?') {
        if (src[i + 1] === ':') i += 2;
        else if (src[i + 1] === '=' || src[i + 1] === '!') {
          i += 2;
          look = true;
        } else if (src[i + 1] === '<' && (src[i + 2] === '=' || src[i + 2] === '!')) {
          i += 3;
          look = true;
        } else if (src[i + 1] === '<') i = src.indexOf('>', i) + 1;
      }
      const alts = parseAlt();
      i++; // ')'
      return look ? { t: 'assert', anchor: false } : { t: 'alt', alts };
    }
    if (ch === '[') {
      let j = i;
      let simple = src[j] !== '^';
      const cs: string[] = [];
      while (j < src.length && src[j] !== ']') {
        if (src[j] === '\\') {
          const e = src[j + 1]!;
          if (/[wWdDsSbBpPu]/.test(e)) simple = false;
          else cs.push(e === 'n' ? '\n' : e === 't' ? '\t' : e);
          j += 2;
        } else {
          if (src[j + 1] === '-' && src[j + 2] !== ']' && src[j + 2] !== undefined) {
            // A small range such as 0-9 is expanded; a large one (a-z) gives up on this item.
            const lo = src.charCodeAt(j);
            const hi = src.charCodeAt(j + 2);
            if (hi - lo > 9) simple = false;
            for (let c = lo; c <= hi; c++) cs.push(String.fromCharCode(c));
            j += 3;
            continue;
          }
          cs.push(src[j]!);
          j++;
        }
      }
      i = j + 1;
      return { t: 'set', cs: simple && cs.length <= 10 ? cs : null };
    }
    if (ch === '.') return { t: 'set', cs: null };
    if (ch === '^') return { t: 'assert', anchor: true, start: true };
    if (ch === '$') return { t: 'assert', anchor: false };
    if (ch === '\\') {
      const e = src[i++]!;
      if (e === 'b') return { t: 'assert', anchor: true };
      if (e === 'B') return { t: 'assert', anchor: false };
      if (e === 'd') return { t: 'set', cs: DIGITS };
      if (/[wWDsS1-9]/.test(e)) return { t: 'set', cs: null };
      if (e === 'n') return { t: 'lit', c: '\n' };
      if (e === 't') return { t: 'lit', c: '\t' };
      if (e === 'u') {
        const c = String.fromCharCode(parseInt(src.slice(i, i + 4), 16));
        i += 4;
        return { t: 'lit', c };
      }
      return { t: 'lit', c: e };
    }
    return { t: 'lit', c: ch };
  };
  return parseAlt();
}

const DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

/** why: 6 characters are selective enough to make candidate positions rare, and keep the trie small. */
const PREFIX_LEN = 6;
/** why: past this many alternative prefixes a pattern is cheaper to scan than to index. */
const MAX_PREFIXES = 400;

/** Literal prefixes every match of `seq` (from item i on) starts with; '' means "unknown". */
function prefixes(seq: readonly ReNode[], i: number, depth: number): string[] {
  if (i >= seq.length || depth >= PREFIX_LEN) return [''];
  const n = seq[i]!;
  const rest = (): string[] => prefixes(seq, i + 1, depth);
  let out: string[];
  switch (n.t) {
    case 'assert':
      return rest();
    case 'lit':
      return prefixes(seq, i + 1, depth + 1).map((s) => n.c + s);
    case 'set': {
      if (n.cs === null) return [''];
      const tail = prefixes(seq, i + 1, depth + 1);
      out = n.cs.flatMap((c) => tail.map((s) => c + s));
      break;
    }
    case 'alt':
      out = n.alts.flatMap((a) => prefixes([...a, ...seq.slice(i + 1)], 0, depth));
      break;
    case 'rep': {
      // max 1: the item is followed by the rest; repeated: a match starts with one copy of the item.
      const take = n.max === 1 ? prefixes([n.n, ...seq.slice(i + 1)], 0, depth) : prefixes([n.n], 0, depth);
      out = n.min === 0 ? [...take, ...rest()] : take;
      break;
    }
  }
  return out.length > MAX_PREFIXES ? [''] : out;
}

/** Does every path of seq[i..] pass an assertion that `counts` accepts (or `seen` one already) before its first character? */
function anchoredBy(seq: readonly ReNode[], i: number, seen: boolean, counts: (a: { anchor: boolean; start?: true }) => boolean): boolean {
  if (i >= seq.length) return false;
  const n = seq[i]!;
  switch (n.t) {
    case 'assert':
      return anchoredBy(seq, i + 1, seen || counts(n), counts);
    case 'lit':
    case 'set':
      return seen;
    case 'alt':
      return n.alts.every((a) => anchoredBy([...a, ...seq.slice(i + 1)], 0, seen, counts));
    case 'rep':
      return (n.min > 0 || anchoredBy(seq, i + 1, seen, counts)) && anchoredBy([n.n], 0, seen, counts);
  }
}

/** Does every path reach its first character through \b or ^ (so a match starts at a word start)? */
const anchored = (seq: readonly ReNode[]): boolean => anchoredBy(seq, 0, false, (a) => a.anchor);
/** Does every path pass a ^ before its first character (so, without the m flag, a match can only start at 0)? */
const startAnchored = (seq: readonly ReNode[]): boolean => anchoredBy(seq, 0, false, (a) => a.start === true);

/** A trie node while the trie is built (the walk uses the flat form, FlatTrie). */
interface TrieNode {
  next: Map<number, TrieNode>;
  /** Group indices for which a required prefix ends here. */
  groups: number[] | null;
}

const groupIds = Object.keys(patternGroups) as PatternGroupId[];
const groupIndex = new Map<PatternGroupId, number>(groupIds.map((id, k) => [id, k]));
/** Sticky regex per group, tried only at candidate positions. */
const groupSticky = groupIds.map((id) => new RegExp(patternGroups[id].patterns.map((p) => `(?:${p})`).join('|'), 'y'));
/** Plain regex per group, for groups that could not be indexed. */
const groupScan = groupIds.map((id) => new RegExp(patternGroups[id].patterns.map((p) => `(?:${p})`).join('|'), 'g'));
/** Groups with at least one pattern we could not index: scanned in full. */
const unindexed = new Uint8Array(groupIds.length);
const trieRoot: TrieNode = newNode();

function newNode(): TrieNode {
  return { next: new Map(), groups: null };
}

/**
 * The trie as flat typed arrays (≈ 7,000 nodes, ~170 KB), numbered breadth-first from the root (0) so the first
 * levels, which every walk reads, sit together. why: the walk of the object trie chased one pointer per character
 * through ~7,000 scattered objects (and ~900 128-slot tables); between two prompts those left the CPU caches, and the
 * misses made indexText the biggest cost of an estimate when requests are interleaved.
 */
interface FlatTrie {
  /**
   * Every edge in one open-addressing hash table: slot s holds key (node << 16 | character) + 1 at 2s (0 = empty) and
   * the child at 2s + 1, so a step reads one cache line. why: a sorted edge list per node took a scan over three arrays.
   */
  edges: Int32Array;
  /** Slots - 1 (a power of two). */
  edgeMask: number;
  /** Groups whose required prefix ends at node n: groupList[groupStart[n] .. groupStart[n + 1] - 1]. */
  groupStart: Int32Array;
  groupList: Int32Array;
  /** The root's child per ASCII character, -1 for none: the first step of every walk is an index. */
  rootAscii: Int32Array;
}

function flattenTrie(root: TrieNode): FlatTrie {
  const order: TrieNode[] = [root];
  const ids = new Map<TrieNode, number>([[root, 0]]);
  const sortedChildren = (n: TrieNode): Array<[number, TrieNode]> => [...n.next.entries()].sort((a, b) => a[0] - b[0]);
  for (let i = 0; i < order.length; i++) {
    for (const [, child] of sortedChildren(order[i]!)) {
      ids.set(child, order.length);
      order.push(child);
    }
  }
  const n = order.length;
  // why 16 bits of node id: node << 16 | character must stay a positive 32-bit integer (about 7,000 nodes today).
  if (n >= 1 << 15) throw new Error(`keyword trie too large for its edge keys (${n} nodes)`);
  const groupStart = new Int32Array(n + 1);
  let edgeCount = 0;
  for (let i = 0; i < n; i++) {
    edgeCount += order[i]!.next.size;
    groupStart[i + 1] = groupStart[i]! + (order[i]!.groups?.length ?? 0);
  }
  // why at most half full: linear probing then finds a key, or its absence, in one or two slots.
  let slots = 1;
  while (slots < edgeCount * 2) slots *= 2;
  const edges = new Int32Array(slots * 2);
  const groupList = new Int32Array(groupStart[n]!);
  const rootAscii = new Int32Array(128).fill(-1);
  for (let i = 0; i < n; i++) {
    for (const [c, kid] of sortedChildren(order[i]!)) {
      const key = ((i << 16) | c) + 1;
      let h = edgeSlot(key, slots - 1);
      while (edges[2 * h] !== 0) h = (h + 1) & (slots - 1);
      edges[2 * h] = key;
      edges[2 * h + 1] = ids.get(kid)!;
      if (i === 0 && c < 128) rootAscii[c] = ids.get(kid)!;
    }
    groupList.set(order[i]!.groups ?? [], groupStart[i]!);
  }
  return { edges, edgeMask: slots - 1, groupStart, groupList, rootAscii };
}

/** Home slot of an edge key (Fibonacci hashing). */
function edgeSlot(key: number, mask: number): number {
  return (Math.imul(key, 0x9e3779b1) >>> 16) & mask;
}

/** The child of node `node` for character code `c`, or -1. */
function child(t: FlatTrie, node: number, c: number): number {
  const key = ((node << 16) | c) + 1;
  const edges = t.edges;
  for (let h = edgeSlot(key, t.edgeMask); ; h = (h + 1) & t.edgeMask) {
    const k = edges[2 * h]!;
    if (k === key) return edges[2 * h + 1]!;
    if (k === 0) return -1;
  }
}
const unindexedSources: string[] = [];
/**
 * Groups whose every alternative starts with ^ (no m flag): a match can only start at position 0, so their candidates
 * in a text are those of a walk from position 0 alone. why: the 'whole' scope serves such groups, and walking all of
 * its 300 characters for them was a second trie walk per prompt.
 */
const startOnly = new Uint8Array(groupIds.length);

const isWordCode = (c: number): boolean => (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 95 || (c >= 65 && c <= 90);
/** First characters of prefixes that may start anywhere (not only at a word start): CJK, punctuation, … */
const anywhereFirst = new Set<number>();
/** Same set as a 64 Ki lookup table (one byte per UTF-16 code unit): the walk tests it for every character. */
const anywhereTable = new Uint8Array(65536);

function addPrefix(prefix: string, g: number): void {
  let node = trieRoot;
  for (let k = 0; k < prefix.length; k++) {
    const c = prefix.charCodeAt(k);
    let child = node.next.get(c);
    if (child === undefined) {
      child = newNode();
      node.next.set(c, child);
    }
    node = child;
  }
  node.groups ??= [];
  if (!node.groups.includes(g)) node.groups.push(g);
}

/** Builds the prefix index of every pattern group (fills startOnly, unindexed, anywhere*) and flattens it. */
function buildIndex(): FlatTrie {
  groupIds.forEach((id, g) => {
    startOnly[g] = 1;
    for (const src of patternGroups[id].patterns) {
      for (const alt of parseRegex(src)) {
        if (!startAnchored(alt)) startOnly[g] = 0;
        const pre = [...new Set(prefixes(alt, 0, 0))];
        // Usable if every prefix is non-empty. Prefixes of a \b/^-anchored pattern that start with a word
        // character are looked for at word starts; any other prefix at every occurrence of its first character.
        const wordStart = anchored(alt);
        const ok = pre.every((p) => p !== '');
        if (ok) {
          for (const p of pre) {
            if (wordStart && isWordCode(p.charCodeAt(0))) continue;
            const c = p.charCodeAt(0);
            anywhereFirst.add(c);
            anywhereTable[c] = 1;
          }
        }
        if (!ok) {
          unindexed[g] = 1;
          unindexedSources.push(`${id}: ${src}`);
          continue;
        }
        for (const p of pre) addPrefix(p, g);
      }
    }
  });

  return flattenTrie(trieRoot);
}

/**
 * The prefix index, built on first use. why: parsing ~400 patterns into the trie was the largest piece of the core's own
 * code in its start-up profile; built lazily, the server answers /health without it, and {@link prepareFeatureIndex}
 * lets the composition root build it right after start, before the first prompt.
 */
let flatTrie: FlatTrie | undefined;
const index = (): FlatTrie => (flatTrie ??= buildIndex());

/** Builds the keyword index now (idempotent); otherwise the first estimate builds it. */
export function prepareFeatureIndex(): void {
  index();
}

/**
 * Candidate start positions of one text window, grouped, in ONE array (one allocation per window, on the JS heap: a
 * small typed array gets an off-heap backing store, slower to allocate and a trigger for extra GCs): entries
 * [0, G] are offsets, and positions of group g are `cands[G + 1 + cands[g]] .. cands[G + 1 + cands[g + 1] - 1]`, ascending.
 */
type Candidates = number[];

/** A range restriction on match starts: [0, headEnd) ∪ [tailStart, ∞). */
interface StartRange {
  headEnd: number;
  tailStart: number;
}

/** 16-bit words holding one bit per (scope, group): three scopes. */
const MEMO_WORDS = Math.ceil((3 * groupIds.length) / 16);

const ANY_START: StartRange = { headEnd: Infinity, tailStart: Infinity };

/**
 * Walk the prefix trie from position 0, every word start, and every character that can start an unanchored prefix;
 * with `starts` = 1, from position 0 only (the candidates of start-anchored groups).
 */
function indexText(text: string, starts: number = text.length): Candidates {
  const G = groupIds.length;
  const last = lastHit;
  let hits = hitScratch; // flat (g, p) pairs, in p order; a module-level buffer, grown on demand
  let nHits = 0;
  let prevWord = false;
  const t = index();
  const groupStart = t.groupStart;
  const groupList = t.groupList;
  const codes = codeUnits(text);
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
              hits = hitScratch = grown;
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
  // Counting sort by group (stable, so positions stay ascending); `last` is reset for the next call.
  const out = new Array<number>(G + 1 + nHits / 2).fill(0);
  for (let k = 0; k < nHits; k += 2) {
    out[hits[k]! + 1]!++;
    last[hits[k]!] = -1;
  }
  for (let g = 0; g < G; g++) out[g + 1]! += out[g]!;
  const fill = fillScratch;
  for (let g = 0; g < G; g++) fill[g] = G + 1 + out[g]!;
  for (let k = 0; k < nHits; k += 2) out[fill[hits[k]!]!++] = hits[k + 1]!;
  return out;
}

/** Scratch buffers of indexText (pure code is single-threaded: no call is re-entered). */
const lastHit = new Int32Array(groupIds.length).fill(-1);
const fillScratch = new Int32Array(groupIds.length);
/** why: 256 (group, position) pairs cover the windows of nearly every prompt; it doubles when one needs more. */
let hitScratch = new Int32Array(512);

const inRange = (p: number, r: StartRange): boolean => p < r.headEnd || p >= r.tailStart;

/** Does group g match in text, starting inside range r (exactly like a regex tried at each such start)? */
function groupTest(g: number, text: string, cands: Candidates, r: StartRange): boolean {
  if (unindexed[g] === 1) {
    const re = groupScan[g]!;
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
  const re = groupSticky[g]!;
  const base = groupIds.length + 1;
  for (let k = base + cands[g]!; k < base + cands[g + 1]!; k++) {
    const p = cands[k]!;
    if (!inRange(p, r)) continue;
    re.lastIndex = p;
    if (re.test(text)) return true;
  }
  return false;
}

/** Count non-overlapping matches of group g in the whole text (as a global scan would), up to cap. */
function groupCount(g: number, text: string, cands: Candidates, cap: number): number {
  if (unindexed[g] === 1) return countMatches(groupScan[g]!, text, cap);
  const re = groupSticky[g]!;
  let n = 0;
  let end = 0;
  const base = groupIds.length + 1;
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

/** Patterns that cannot use the index, as "group: source" (their group falls back to a full scan). */
export function unindexedPatterns(): readonly string[] {
  index();
  return unindexedSources;
}

/** Groups read on the whole text from a walk at position 0 alone (every alternative starts with ^). */
export function startAnchoredGroups(): PatternGroupId[] {
  index();
  return groupIds.filter((_, g) => startOnly[g] === 1 && unindexed[g] === 0);
}

/** Characters at which the trie walk starts besides word starts (tests keep ASCII letters out of it). */
export function anywhereStartChars(): string {
  index();
  return [...anywhereFirst].map((c) => String.fromCharCode(c)).join('');
}

/**
 * Fenced blocks are found as /```[^\n]*\n?([\s\S]*?)(?:```|$)/g would find them (opening fence and the rest of its line,
 * body up to the next ``` or the end), but with indexOf: that regex's lazy body costs tens of µs on a 4,000-character prompt.
 */
const FENCE = '```';
/**
 * A line that looks like code: keywords at line start, an assignment or a bare call, a line ending in ; { } or "):",
 * a shell command, an HTML/XML tag line, a config "key: value" line, or a stack-trace frame. This regex has the
 * alternatives that read from the start of the line; the two read at its end are endsLikeCode(), a check from the end.
 * Where it names a quote it also takes the typographic ones (‘ ’ as ', “ ” as "), and its other classes take any quote
 * alike: a line reads the same before and after normalisation maps its quotes, so the short lines of a long prompt are
 * tested without mapping them one by one.
 */
const CODE_LINE_START_RE =
  /^[ \t]*(?:(?:def|class|import|from \S+ import|#include|function|const|let|var|public|private|protected|static|return|elif|else|try|catch|except|finally|switch|case|fn|func|package|using|namespace|struct|impl|assert|raise|del|async|await|yield|echo|exit|fi|then|done|esac|export|local|select|insert into|update \w+ set|create table)\b[^\n]*|[\w.[\]'"\u2018\u2019\u201c\u201d]+[ \t]*(?:[-+*/%|&]?=|:=)[ \t]*[^\s=][^\n]*|[\w.]+\([^\n]*\)[ \t]*;?|(?:if|for|while) ?[([][^\n]*|[ \t]*(?:\/\/|#!)[^\n]*|<\/?[a-z][\w-]*[^>\n]*>[ \t]*|[a-z_][\w.-]*:(?:[ \t]+[^\s#]\S*)?|file ["\u201c\u201d][^"\u201c\u201d\n]+["\u201c\u201d], line \d+[^\n]*|traceback \(most recent call last\):|\w+(?:error|exception): [^\n]*)$/i;

/**
 * The line ends in ; { or }, or in ")" then ":", each followed by nothing but spaces and tabs: the code-line pattern's
 * alternatives `[^\n]*[;{}][ \t]*` and `[^\n]*\)[ \t]*:[ \t]*` (the line holds no line break). why a loop from the end:
 * as regexes they scan and backtrack over the whole line, the most expensive test of a long prompt of short lines.
 */
function endsLikeCode(line: string): boolean {
  let i = line.length - 1;
  while (i >= 0 && (line.charCodeAt(i) === 32 || line.charCodeAt(i) === 9)) i--;
  if (i < 0) return false;
  const c = line.charCodeAt(i);
  if (c === 59 || c === 123 || c === 125) return true; // ; { }
  if (c !== 58) return false; // :
  i--;
  while (i >= 0 && (line.charCodeAt(i) === 32 || line.charCodeAt(i) === 9)) i--;
  return i >= 0 && line.charCodeAt(i) === 41; // )
}

/**
 * Does the line (no line break in it) look like code (see CODE_LINE_START_RE)? Typographic quotes in it count as the
 * ASCII ones, as if normalised first. Exported for tests.
 */
export function isCodeLine(line: string): boolean {
  return endsLikeCode(line) || CODE_LINE_START_RE.test(line);
}
/**
 * A cheap necessary condition of isCodeLine, as two tests: a code character anywhere, or a keyword at the line start. why
 * two: one regex with both alternatives tried the anchored one at every position and ran ~2x slower on prose lines.
 */
const CODE_CHAR_RE = /[;{}=()<>:#/"[]/;
const CODE_KEYWORD_RE =
  /^[ \t]*(?:def|class|import|from|function|const|let|var|public|private|protected|static|return|elif|else|try|catch|except|finally|switch|case|fn|func|package|using|namespace|struct|impl|assert|raise|del|async|await|yield|echo|exit|fi|then|done|esac|export|local|select|insert|update|create|if|for|while)\b/i;
const codeHint = (line: string): boolean => CODE_CHAR_RE.test(line) || CODE_KEYWORD_RE.test(line);
/** why: code lines are short; longer lines are prose paragraphs and are skipped without a regex. */
const MAX_CODE_LINE = 160;
/** why: 30 code lines already count as a long listing (codeFactor), so counting further is wasted work. */
const CODE_LINE_CAP = 30;
const NUMBER_RE = /\d+(?:[.,]\d+)*/g;
const LIST_ITEM_RE = /^[ \t]*(?:\d{1,2}[.)]|[-*•]|[a-h][.)])[ \t]+\S/gm;
// A capitalised name ending in Act/Directive/Regulation/Code, or an article/section reference of a law.
const NAMED_LAW_RE =
  /\b(?:[A-Z][\w-]*\s){1,6}(?:Act|Directive|Regulation|Code|Statute)\b|\b(?:Article|Section|§)\s?\d+[a-z]?(?:\(\w+\))?\s(?:of\s)?(?:the\s)?[A-Z]/;
const WORD_COUNT_RE = /\b(\d{3,5})[- ]?words?\b/g;
const ANY_CURLY_RE = /[\u2018\u2019\u201c\u201d]/;
const SINGLE_CURLY_RE = /[\u2018\u2019]/g;
const DOUBLE_CURLY_G_RE = /[\u201c\u201d]/g;
/**
 * What the estimator reads: lower case, typographic quotes as ASCII ones. why a test and two plain replaces: most
 * texts have no typographic quote, and where they do, a replace with a string skips the per-match callback.
 */
function normalise(text: string): string {
  const lower = text.toLowerCase();
  return ANY_CURLY_RE.test(lower) ? lower.replace(SINGLE_CURLY_RE, "'").replace(DOUBLE_CURLY_G_RE, '"') : lower;
}
/**
 * Prompts longer than this are not normalised whole: only the windows the estimator reads are (the ask window, the
 * 'whole' head, short lines tested as code). why: lower-casing and quote-mapping 14,000 characters of typographic
 * text costs ~35 µs, more than the rest of the estimate; below 2,000 characters the whole pass costs a few µs.
 */
const WINDOWED_NORMALISE_MIN = 2000;
/**
 * Does the text hold a character whose lower case depends on the neighbours (Σ), changes the length (İ) or is ASCII
 * (the Kelvin sign)? With one of these, normalising a window could differ from a window of the normalised text, so the
 * whole text is normalised as before. Every other character lower-cases on its own, to one character (one code
 * unit pair for astral ones, which the window cuts keep whole by normalising one unit beyond each cut).
 */
function hasCaseSpecial(text: string): boolean {
  // Three native searches: a character-class regex over a long two-byte string costs ten times more.
  return text.includes('\u0130') || text.includes('\u03a3') || text.includes('\u212a');
}
const DOUBLE_CURLY_RE = /[\u201c\u201d]/;

/** normalise(text).slice(from, to), for 0 ≤ from ≤ to ≤ text.length, without normalising the rest of the text. */
function normalisedSlice(text: string, from: number, to: number): string {
  const a = Math.max(0, from - 1);
  const b = Math.min(text.length, to + 1);
  return normalise(text.slice(a, b)).slice(from - a, from - a + (to - from));
}

// Anything outside printable ASCII and common whitespace sends scriptStats down the exact path.
const NON_ASCII_RE = /[^\t\n\r -~]/;
interface ScriptStats {
  eff: number;
  cjk: number;
  lowResource: number;
  letters: number;
}

/** Script-aware length: one pass over code units, CJK weighs more (see scriptWeights). */
export function scriptStats(text: string): ScriptStats {
  // Fast path: pure ASCII text (most prompts) has no weighted scripts.
  if (!NON_ASCII_RE.test(text)) return { eff: text.length, cjk: 0, lowResource: 0, letters: text.length };
  let cjk = 0;
  let hangul = 0;
  let lowResource = 0;
  let letters = 0;
  const codes = codeUnits(text);
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = codes[i]!;
    if (c < 0x0530) {
      if (c > 0x40) letters++;
      continue;
    }
    letters++;
    if ((c >= 0x3040 && c <= 0x30ff) || (c >= 0x3400 && c <= 0x4dbf) || (c >= 0x4e00 && c <= 0x9fff) || (c >= 0xf900 && c <= 0xfaff)) {
      cjk++;
    } else if (c >= 0xac00 && c <= 0xd7af) {
      hangul++;
    } else if (c < 0x1400) {
      for (const [lo, hi] of lowResourceScriptRanges) {
        if (c >= lo && c <= hi) {
          lowResource++;
          break;
        }
      }
    }
  }
  const eff = text.length - cjk - hangul + cjk * scriptWeights.cjk + hangul * scriptWeights.hangul;
  return { eff, cjk, lowResource, letters };
}

/** Drop trailing emoji, symbols and punctuation other than ? ! . ) (so "hi!! 👋" reads as "hi!!"). */
function trimEndSymbols(text: string): string {
  let end = text.length;
  while (end > 0) {
    const c = text.charCodeAt(end - 1);
    const keep =
      (c >= 48 && c <= 57) ||
      (c >= 97 && c <= 122) ||
      (c >= 65 && c <= 90) ||
      c === 63 ||
      c === 33 ||
      c === 46 ||
      c === 41 ||
      (c >= 0x80 && !(c >= 0x2000 && c <= 0x2bff) && !(c >= 0xd800 && c <= 0xdfff) && c !== 0xfe0f && c !== 0x3000);
    if (keep) break;
    end--;
  }
  return end === text.length ? text : text.slice(0, end);
}

/** Lines of `text` that look like code, up to `cap`; one anchored regex test per short line. */
function countCodeLines(text: string, cap: number, raw: boolean): number {
  let n = 0;
  for (let start = 0; start < text.length && n < cap;) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const len = end - start;
    if (len > 1 && len <= MAX_CODE_LINE) {
      const line = text.slice(start, end);
      if (!raw) {
        if (codeHint(line) && isCodeLine(line)) n++;
      } else if (codeHint(line) || DOUBLE_CURLY_RE.test(line)) {
        // `raw`: the text is not normalised yet. Both regexes ignore case, and without the characters that
        // hasCaseSpecial() excludes they read a line and its lower case alike; only the quotes differ: of those
        // only “ ” can make the hint match (as ", one of its code characters), and isCodeLine reads them as ASCII.
        if (isCodeLine(line)) n++;
      }
    }
    start = end + 1;
  }
  return n;
}

/**
 * Lines of text[start, end) holding something other than spaces, tabs and CRs. Line ends are found with indexOf (a fast
 * native search), and a line is read only up to its first such character: code lines rarely start blank.
 */
function countNonEmptyLines(text: string, start: number, end: number): number {
  let n = 0;
  for (let s = start; s < end;) {
    let e = text.indexOf('\n', s);
    if (e === -1 || e > end) e = end;
    for (let k = s; k < e; k++) {
      const c = text.charCodeAt(k);
      if (c !== 32 && c !== 9 && c !== 13) {
        n++;
        break;
      }
    }
    s = e + 1;
  }
  return n;
}

function countMatches(re: RegExp, text: string, cap: number): number {
  re.lastIndex = 0;
  let n = 0;
  while (n < cap && re.exec(text) !== null) n++;
  re.lastIndex = 0;
  return n;
}

/**
 * Extract the features of one prompt. Pure and allocation-light: fixed-size windows of long prompts,
 * one combined regex per pattern group, evaluated only when the estimator asks for it.
 */
export function extractFeatures(prompt: string, opts: { normaliseWhole?: boolean } = {}): PromptFeatures {
  index();
  // `lower` is the normalised prompt, or (windowed) the prompt itself: same length, same line breaks and fences, so
  // every position below is the same either way, and each text a regex reads is normalised before it reads it.
  // `normaliseWhole` forces the whole-text path (tests compare both paths on long prompts).
  const windowed = opts.normaliseWhole !== true && prompt.length > WINDOWED_NORMALISE_MIN && !hasCaseSpecial(prompt);
  const lower = windowed ? prompt : normalise(prompt);

  // Code: fenced blocks first, then code-shaped lines in what is left.
  let fencedBlocks = 0;
  let fencedChars = 0;
  let fencedLines = 0;
  let prose = lower;
  let open = lower.indexOf(FENCE);
  if (open !== -1) {
    // Each block (fence line, body, closing fence or end of text) becomes ' [code] ' in the prose.
    let out = '';
    let from = 0;
    for (; open !== -1; open = lower.indexOf(FENCE, from)) {
      const eol = lower.indexOf('\n', open + FENCE.length);
      const bodyStart = eol === -1 ? lower.length : eol + 1;
      const close = lower.indexOf(FENCE, bodyStart);
      const bodyEnd = close === -1 ? lower.length : close;
      fencedBlocks++;
      fencedChars += bodyEnd - bodyStart;
      fencedLines += countNonEmptyLines(lower, bodyStart, bodyEnd);
      out += `${lower.slice(from, open)} [code] `;
      from = close === -1 ? lower.length : close + FENCE.length;
    }
    prose = out + lower.slice(from);
  }
  const looseCodeLines = countCodeLines(prose, CODE_LINE_CAP, windowed);
  const code: CodeStats = { fencedBlocks, codeLines: fencedLines + (looseCodeLines >= 2 ? looseCodeLines : 0), fencedChars };

  const trimmed = prose.trim();
  const askIsWindow = trimmed.length > ASK_WINDOW_CHARS * 3;
  let ask: string;
  if (!askIsWindow) ask = windowed ? normalise(trimmed) : trimmed;
  else if (!windowed) ask = `${trimmed.slice(0, ASK_WINDOW_CHARS)}\n\n${trimmed.slice(-ASK_WINDOW_CHARS)}`;
  else {
    const n = trimmed.length;
    ask = `${normalisedSlice(trimmed, 0, ASK_WINDOW_CHARS)}\n\n${normalisedSlice(trimmed, n - ASK_WINDOW_CHARS, n)}`;
  }
  // Script statistics come from the ask window; a longer prose is scaled by the window's density.
  // why: weights only add length, so the estimate is never shorter than the raw text, and a 4,000-character
  // prompt is not walked character by character just to learn that it is long.
  const askStats = scriptStats(ask);
  const askEff = askStats.eff;
  const density = ask.length === 0 ? 1 : askEff / ask.length;
  const proseEff = askIsWindow ? Math.round(trimmed.length * density) : askEff;
  const effLength = proseEff + Math.max(0, lower.length - prose.length);
  const longInput = proseEff > LONG_INPUT_EFF_CHARS || code.codeLines >= 8;
  // 'edges' is not a separate string: it restricts match starts to both ends of the ask window.
  const edgeRange: StartRange = { headEnd: EDGE_WINDOW_CHARS, tailStart: Math.max(EDGE_WINDOW_CHARS, ask.length - EDGE_WINDOW_CHARS) };
  const core = trimEndSymbols((windowed ? normalisedSlice(lower, 0, Math.min(WHOLE_CAP, lower.length)) : lower.slice(0, WHOLE_CAP)).trim());

  const textOf = (scope: Scope): string => (scope === 'whole' ? core : ask);
  const rangeOf = (scope: Scope): StartRange => (scope === 'edges' ? edgeRange : ANY_START);
  let askCands: Candidates | undefined;
  let coreCands: Candidates | undefined;
  let coreStartCands: Candidates | undefined;
  const candsOf = (text: string): Candidates => (text === ask ? (askCands ??= indexText(ask)) : (coreCands ??= indexText(core)));
  // A start-anchored group on the whole text needs only the walk from position 0 (unless the full index is there anyway).
  const wholeCandsOf = (g: number): Candidates =>
    core === ask || coreCands !== undefined || startOnly[g] === 0 ? candsOf(core) : (coreStartCands ??= indexText(core, 1));
  // Memo per scope and group, as bits in 16-bit words (small integers, so a short plain array on the JS heap):
  // words [0, MEMO_WORDS) say "known", words [MEMO_WORDS, 2 * MEMO_WORDS) say "matches".
  const G = groupIds.length;
  const memo = new Array<number>(2 * MEMO_WORDS).fill(0);
  const hasGroup = (g: number, scope: Scope): boolean => {
    const slot = (scope === 'ask' ? 0 : scope === 'edges' ? G : 2 * G) + g;
    const w = slot >>> 4;
    const bit = 1 << (slot & 15);
    if ((memo[w]! & bit) === 0) {
      const text = textOf(scope);
      memo[w]! |= bit;
      if (groupTest(g, text, scope === 'whole' ? wholeCandsOf(g) : candsOf(text), rangeOf(scope))) memo[MEMO_WORDS + w]! |= bit;
    }
    return (memo[MEMO_WORDS + w]! & bit) !== 0;
  };
  const countGroup = (g: number, cap: number): number => {
    const key = g * 1000 + cap;
    let n = counts.get(key);
    if (n === undefined) {
      n = groupCount(g, ask, candsOf(ask), cap);
      counts.set(key, n);
    }
    return n;
  };
  const counts = new Map<number, number>();

  return new Features(
    prompt,
    ask,
    prose,
    windowed,
    effLength,
    proseEff,
    askEff,
    longInput,
    code,
    askStats.letters === 0 ? 0 : askStats.cjk / askStats.letters,
    askStats.letters > 0 && askStats.lowResource / askStats.letters > 0.3,
    hasGroup,
    countGroup,
    textOf,
    rangeOf,
  );
}

/**
 * PromptFeatures with its lazy facts as prototype getters. why: an object literal whose getters close over per-call
 * variables gets a new hidden class on every call (its accessors live in the map); those old-space maps kept each
 * call's garbage alive through scavenges, so every scavenge copied and promoted it (4 ms pauses, ~18% of the time).
 */
class Features implements PromptFeatures {
  private numbers: number | undefined = undefined;
  private list: number | undefined = undefined;
  private exact: boolean | undefined = undefined;
  private law: boolean | undefined = undefined;
  readonly chars: number;

  constructor(
    private readonly prompt: string,
    private readonly ask: string,
    private readonly prose: string,
    /** `prose` is not normalised yet (a long prompt: see WINDOWED_NORMALISE_MIN). */
    private readonly proseRaw: boolean,
    readonly effLength: number,
    readonly proseEffLength: number,
    readonly askEffLength: number,
    readonly longInput: boolean,
    readonly code: CodeStats,
    readonly cjkShare: number,
    readonly lowResourceScript: boolean,
    private readonly groupHas: (g: number, scope: Scope) => boolean,
    private readonly groupCounts: (g: number, cap: number) => number,
    private readonly textOf: (scope: Scope) => string,
    private readonly rangeOf: (scope: Scope) => StartRange,
  ) {
    this.chars = prompt.length;
  }

  get numberCount(): number {
    return (this.numbers ??= countMatches(NUMBER_RE, this.ask, 50));
  }

  get listItems(): number {
    return (this.list ??= countMatches(LIST_ITEM_RE, this.proseRaw ? normalise(this.prose) : this.prose, 50));
  }

  get exactWordCount(): boolean {
    return (this.exact ??= hasExactWordCount(this.ask));
  }

  get namedLaw(): boolean {
    const p = this.prompt;
    return (this.law ??= NAMED_LAW_RE.test(
      p.length > ASK_WINDOW_CHARS * 3 ? p.slice(0, ASK_WINDOW_CHARS) + p.slice(-ASK_WINDOW_CHARS) : p,
    ));
  }

  has(id: PatternGroupId, scope: Scope = 'ask'): boolean {
    return this.groupHas(groupIndex.get(id)!, scope);
  }

  count(id: PatternGroupId, cap = 10): number {
    return this.groupCounts(groupIndex.get(id)!, cap);
  }

  hasGroup(g: number, scope: Scope = 'ask'): boolean {
    return this.groupHas(g, scope);
  }

  countGroup(g: number, cap = 10): number {
    return this.groupCounts(g, cap);
  }

  text(scope: Scope): string {
    return this.textOf(scope);
  }

  startRange(scope: Scope): StartRange {
    return this.rangeOf(scope);
  }
}

/**
 * why: round targets ("500 words") read as approximate, while an odd number of 100+ ("999 words")
 * is an exact count over a long output, which rule 10 sends to the cloud.
 */
function hasExactWordCount(text: string): boolean {
  WORD_COUNT_RE.lastIndex = 0;
  let m: RegExpExecArray | null;
  let found = false;
  while ((m = WORD_COUNT_RE.exec(text)) !== null) {
    const n = Number(m[1]);
    if (n >= 100 && n % 50 !== 0) {
      found = true;
      break;
    }
  }
  WORD_COUNT_RE.lastIndex = 0;
  return found;
}

/** The number of pattern group `id`, for PromptFeatures.hasGroup / countGroup. */
export function groupNumber(id: PatternGroupId): number {
  return groupIndex.get(id)!;
}

/** Human-readable reason of a pattern group (from data/keywords.ts). */
export function groupReason(id: PatternGroupId): string {
  return patternGroups[id].reason;
}

// ── The seed's four factors, each mapped to [0,1] ─────────────────────────────────────────────

/**
 * Length factor: log-scaled script-aware length, 0 at ≤ 40 effective characters, 1 at ≥ 2,000.
 * why: the seed's step function (<100, <500, else) jumps at arbitrary points; a log ramp keeps the
 * ordering but treats "a bit longer" smoothly, and script weighting stops dense CJK looking short.
 */
export function lengthFactor(f: PromptFeatures): FactorValue {
  const lo = Math.log(40);
  const hi = Math.log(2000);
  const value = clamp01((Math.log(Math.max(f.effLength, 1)) - lo) / (hi - lo));
  const words = Math.round(f.effLength / 6);
  const size = value < 0.25 ? 'short' : value < 0.6 ? 'medium-length' : 'long';
  return { value, reason: `${size} prompt (~${words} words${f.cjkShare > 0.3 ? ', CJK weighted' : ''})` };
}

/**
 * Keyword factor: 0.35 neutral, +0.2 per analysis/depth keyword, −0.2 per simple-ask keyword.
 * why: the seed's ±0.1 per keyword hardly moved the score; 0.2 lets two depth words lift a neutral
 * prompt to the top of the factor while one "what is" pulls it down.
 */
export function keywordFactor(f: PromptFeatures): FactorValue {
  const complex = f.count('complexKeywords', 4);
  const simple = f.count('simpleKeywords', 3);
  const value = clamp01(0.35 + 0.2 * complex - 0.2 * simple);
  const parts: string[] = [];
  if (complex > 0) parts.push(`${complex} analysis/depth keyword${complex > 1 ? 's' : ''}`);
  if (simple > 0) parts.push(`${simple} simple-ask keyword${simple > 1 ? 's' : ''}`);
  return { value, reason: parts.length > 0 ? parts.join(', ') : 'no telling keywords' };
}

/**
 * Code factor: 0 none, 0.4 a programming task without code, 0.7 some pasted code, 1 a long listing.
 * why: pasted code must be read and reasoned about, and the longer it is the more can go wrong.
 */
export function codeFactor(f: PromptFeatures): FactorValue {
  if (f.code.codeLines >= 30) return { value: 1, reason: `long code pasted (~${f.code.codeLines} lines)` };
  if (f.code.codeLines >= 3 || f.code.fencedBlocks > 0) return { value: 0.7, reason: `code pasted (~${f.code.codeLines} lines)` };
  if (f.has('programming')) return { value: 0.4, reason: 'programming task, no code pasted' };
  return { value: 0, reason: 'no code' };
}

/** Coarse task type, from the cheapest kind of request to the most demanding. */
export type TaskType = 'chit-chat' | 'lookup' | 'question' | 'generation' | 'code-or-math' | 'reasoning';

/**
 * Task-type factor: what kind of work the ask is, 0 (chit-chat) … 1 (reasoning/design).
 * why: the seed scored only "question" vs "create/build"; these six kinds follow the labelling ladder.
 */
export function taskTypeFactor(f: PromptFeatures): FactorValue & { type: TaskType } {
  const type = taskType(f);
  const value = TASK_TYPE_VALUE[type];
  return { value, type, reason: `task type: ${type}` };
}

/** why: values spread the six kinds evenly-ish over [0,1] in the order of the labelling ladder. */
const TASK_TYPE_VALUE: Record<TaskType, number> = {
  'chit-chat': 0,
  lookup: 0.1,
  question: 0.3,
  generation: 0.5,
  'code-or-math': 0.7,
  reasoning: 1,
};

function taskType(f: PromptFeatures): TaskType {
  if (f.effLength <= 80 && (f.has('greeting', 'whole') || f.has('aboutAssistant', 'whole'))) return 'chit-chat';
  if (f.has('proof') || f.has('systemDesign') || f.has('logicPuzzle') || f.has('competitionMath') || f.has('deepDomain'))
    return 'reasoning';
  if (f.code.codeLines >= 3 || f.has('codeGeneration') || f.has('algebra') || f.has('probability')) return 'code-or-math';
  if (f.has('routineWriting') || f.has('explanation') || f.has('howTo') || f.has('rolePlay') || f.has('advice')) return 'generation';
  if (f.has('wordLevel') || f.has('classification') || f.has('translate') || f.has('arithmetic', 'whole') || f.has('trivialAsk', 'edges'))
    return 'lookup';
  return 'question';
}

function clamp01(x: number): number {
  return x < 0 ? 0 : x > 1 ? 1 : x;
}
