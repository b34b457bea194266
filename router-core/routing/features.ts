// Prompt features for the complexity estimate: where a prompt's ask sits, its script-aware length and code, and lazy pattern-group tests.
import { patternGroups, type PatternGroupId } from '../data/keywords.js';
import { countCodeLines, cutFences, type CodeStats } from './text-index/code-stats.js';
import { hasCaseSpecial, normalise, normalisedSlice, trimEndSymbols } from './text-index/normalise.js';
import {
  ANY_START,
  patternIndexSteps,
  countMatches,
  groupCount,
  groupTest,
  indexText,
  type Candidates,
  type PatternIndex,
  type StartRange,
} from './text-index/pattern-index.js';
import { TextScratch } from './text-index/scratch.js';
import { scriptStats } from './text-index/script-stats.js';

export type { CodeStats } from './text-index/code-stats.js';
export { isCodeLine } from './text-index/code-stats.js';
export { TextScratch } from './text-index/scratch.js';

/** Where a pattern group is looked for. */
export type Scope =
  /** The instruction part: the whole prose of a normal prompt, or the head + tail of a long one. */
  | 'ask'
  /** Matches starting in the first or last EDGE_WINDOW_CHARS of the ask window: where the ask of a long input sits. */
  | 'edges'
  /** The whole prompt, trimmed (its first WHOLE_CAP characters); for anchored patterns on short prompts. */
  | 'whole';

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
/** why: 30 code lines already count as a long listing (codeFactor), so counting further is wasted work. */
const CODE_LINE_CAP = 30;
/**
 * Longer prompts are normalised only in the windows the estimator reads (ask window, 'whole' head, short code-like
 * lines). why: normalising 14,000 typographic characters costs ~35 µs, more than the rest of the estimate.
 */
const WINDOWED_NORMALISE_MIN = 2000;

const groupIds = Object.keys(patternGroups) as PatternGroupId[];
const groupIndex = new Map<PatternGroupId, number>(groupIds.map((id, k) => [id, k]));
/** 16-bit words holding one bit per (scope, group): three scopes. */
const MEMO_WORDS = Math.ceil((3 * groupIds.length) / 16);

/**
 * The keyword groups' index (immutable once built), built on first use. why: parsing ~400 patterns was the largest
 * piece of the core's own start-up profile; {@link prepareFeatureIndexInSlices} lets the composition root build it after start.
 */
let keywordIndex: PatternIndex | undefined;
/** A build started by {@link prepareFeatureIndexInSlices} and not finished yet. */
let pendingBuild: Generator<void, PatternIndex, void> | undefined;
/** Runs the build (the pending one, else a new one) until it is done or `until()` says stop; true when done. */
function advanceBuild(until: () => boolean): boolean {
  const steps = (pendingBuild ??= patternIndexSteps(groupIds.map((id) => ({ id, patterns: patternGroups[id].patterns }))));
  for (;;) {
    const r = steps.next();
    if (r.done) {
      keywordIndex = r.value;
      pendingBuild = undefined;
      return true;
    }
    if (until()) return false;
  }
}
const index = (): PatternIndex => {
  if (!keywordIndex) advanceBuild(() => false);
  return keywordIndex!;
};

/** Whether the keyword index is built (a build in slices may be under way). */
export function featureIndexBuilt(): boolean {
  return keywordIndex !== undefined;
}

/**
 * Builds the keyword index in the background: slices of about `sliceMs`, each in its own turn of the event loop, so
 * requests that arrive meanwhile (a freshly started server's first /health) are answered between slices instead of
 * after the whole build (~70 ms here). An estimate needed before the end finishes the build itself, at once.
 * Resolves once the index is built.
 */
export function prepareFeatureIndexInSlices(sliceMs = 4): Promise<void> {
  return new Promise((resolve) => {
    const slice = (): void => {
      if (keywordIndex) return resolve();
      const end = performance.now() + sliceMs;
      if (advanceBuild(() => performance.now() >= end)) resolve();
      // Not unref'd: libuv would then block in its poll until some other event (an unref'd immediate does not
      // keep the loop turning), and the build could wait for the next request.
      else setImmediate(slice);
    };
    slice();
  });
}

/** Patterns that cannot use the index, as "group: source" (their group falls back to a full scan). */
export function unindexedPatterns(): readonly string[] {
  return index().unindexedSources;
}

/** Groups read on the whole text from a walk at position 0 alone (every alternative starts with ^). */
export function startAnchoredGroups(): PatternGroupId[] {
  const ix = index();
  return groupIds.filter((_, g) => ix.startOnly[g] === 1 && ix.unindexed[g] === 0);
}

/** Characters at which the trie walk starts besides word starts (tests keep ASCII letters out of it). */
export function anywhereStartChars(): string {
  return [...index().anywhereFirst].map((c) => String.fromCharCode(c)).join('');
}

const NUMBER_RE = /\d+(?:[.,]\d+)*/g;
// Non-ASCII characters in regular expressions are written as \u escapes (here • and § below): the server bundle
// stays ASCII, so V8 holds its 2 MB source as one byte per character instead of two.
const LIST_ITEM_RE = /^[ \t]*(?:\d{1,2}[.)]|[-*\u2022]|[a-h][.)])[ \t]+\S/gm;
// A capitalised name ending in Act/Directive/Regulation/Code, or an article/section reference of a law.
const NAMED_LAW_RE =
  /\b(?:[A-Z][\w-]*\s){1,6}(?:Act|Directive|Regulation|Code|Statute)\b|\b(?:Article|Section|\u00a7)\s?\d+[a-z]?(?:\(\w+\))?\s(?:of\s)?(?:the\s)?[A-Z]/;
const WORD_COUNT_RE = /\b(\d{3,5})[- ]?words?\b/g;

/** How to read a prompt; `scratch` is the caller's working memory (one is made for this call when absent). */
export interface FeatureOptions {
  /** Normalise the whole prompt even when long (tests compare both paths). */
  normaliseWhole?: boolean;
  scratch?: TextScratch;
}

/**
 * Extract the features of one prompt. Pure and allocation-light: fixed-size windows of long prompts,
 * one combined regex per pattern group, evaluated only when the estimator asks for it.
 */
export function extractFeatures(prompt: string, opts: FeatureOptions = {}): PromptFeatures {
  const ix = index();
  const scratch = opts.scratch ?? new TextScratch();
  // `lower` is the normalised prompt, or (windowed) the prompt itself: same length, same line breaks and fences, so
  // every position below is the same either way, and each text a regex reads is normalised before it reads it.
  const windowed = opts.normaliseWhole !== true && prompt.length > WINDOWED_NORMALISE_MIN && !hasCaseSpecial(prompt);
  const lower = windowed ? prompt : normalise(prompt);

  // Code: fenced blocks first (each becomes ' [code] ' in the prose), then code-shaped lines in what is left.
  const fenced = cutFences(lower);
  const prose = fenced.prose;
  const looseCodeLines = countCodeLines(prose, CODE_LINE_CAP, windowed);
  const code: CodeStats = {
    fencedBlocks: fenced.blocks,
    codeLines: fenced.lines + (looseCodeLines >= 2 ? looseCodeLines : 0),
    fencedChars: fenced.chars,
  };

  const trimmed = prose.trim();
  const askIsWindow = trimmed.length > ASK_WINDOW_CHARS * 3;
  const ask = askWindow(trimmed, askIsWindow, windowed);
  // Script statistics come from the ask window; a longer prose is scaled by the window's density.
  // why: weights only add length, so the estimate is never shorter than the raw text, and a 4,000-character
  // prompt is not walked character by character just to learn that it is long.
  const askStats = scriptStats(ask, scratch.units);
  const askEff = askStats.eff;
  const density = ask.length === 0 ? 1 : askEff / ask.length;
  const proseEff = askIsWindow ? Math.round(trimmed.length * density) : askEff;
  const effLength = proseEff + Math.max(0, lower.length - prose.length);
  const longInput = proseEff > LONG_INPUT_EFF_CHARS || code.codeLines >= 8;
  // 'edges' is not a separate string: it restricts match starts to both ends of the ask window.
  const edgeRange: StartRange = { headEnd: EDGE_WINDOW_CHARS, tailStart: Math.max(EDGE_WINDOW_CHARS, ask.length - EDGE_WINDOW_CHARS) };
  const core = trimEndSymbols((windowed ? normalisedSlice(lower, 0, Math.min(WHOLE_CAP, lower.length)) : lower.slice(0, WHOLE_CAP)).trim());

  return new Features(
    ix,
    scratch,
    prompt,
    ask,
    core,
    prose,
    windowed,
    edgeRange,
    effLength,
    proseEff,
    askEff,
    longInput,
    code,
    askStats.letters === 0 ? 0 : askStats.cjk / askStats.letters,
    askStats.letters > 0 && askStats.lowResource / askStats.letters > 0.3,
  );
}

/** The ask window of a trimmed prose: all of it, or (a long one) its first and last ASK_WINDOW_CHARS, normalised. */
function askWindow(trimmed: string, askIsWindow: boolean, windowed: boolean): string {
  if (!askIsWindow) return windowed ? normalise(trimmed) : trimmed;
  if (!windowed) return `${trimmed.slice(0, ASK_WINDOW_CHARS)}\n\n${trimmed.slice(-ASK_WINDOW_CHARS)}`;
  const n = trimmed.length;
  return `${normalisedSlice(trimmed, 0, ASK_WINDOW_CHARS)}\n\n${normalisedSlice(trimmed, n - ASK_WINDOW_CHARS, n)}`;
}

/** PromptFeatures with lazy facts. why a class: per-call closures and getters cost a hidden class a call (~18% in GC). */
class Features implements PromptFeatures {
  private numbers: number | undefined = undefined;
  private list: number | undefined = undefined;
  private exact: boolean | undefined = undefined;
  private law: boolean | undefined = undefined;
  private askCands: Candidates | undefined = undefined;
  private coreCands: Candidates | undefined = undefined;
  private coreStartCands: Candidates | undefined = undefined;
  /** Per scope and group, as bits in 16-bit words: [0, MEMO_WORDS) say "known", [MEMO_WORDS, 2 * MEMO_WORDS) "matches". */
  private readonly memo = new Array<number>(2 * MEMO_WORDS).fill(0);
  private readonly counts = new Map<number, number>();
  readonly chars: number;

  constructor(
    private readonly ix: PatternIndex,
    private readonly scratch: TextScratch,
    private readonly prompt: string,
    private readonly ask: string,
    /** The 'whole' scope's text. */
    private readonly core: string,
    private readonly prose: string,
    /** `prose` is not normalised yet (a long prompt: see WINDOWED_NORMALISE_MIN). */
    private readonly proseRaw: boolean,
    private readonly edgeRange: StartRange,
    readonly effLength: number,
    readonly proseEffLength: number,
    readonly askEffLength: number,
    readonly longInput: boolean,
    readonly code: CodeStats,
    readonly cjkShare: number,
    readonly lowResourceScript: boolean,
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
    return this.hasGroup(groupIndex.get(id)!, scope);
  }

  count(id: PatternGroupId, cap = 10): number {
    return this.countGroup(groupIndex.get(id)!, cap);
  }

  hasGroup(g: number, scope: Scope = 'ask'): boolean {
    const G = this.ix.groupCount;
    const slot = (scope === 'ask' ? 0 : scope === 'edges' ? G : 2 * G) + g;
    const w = slot >>> 4;
    const bit = 1 << (slot & 15);
    const memo = this.memo;
    if ((memo[w]! & bit) === 0) {
      const text = this.text(scope);
      memo[w]! |= bit;
      const cands = scope === 'whole' ? this.wholeCands(g) : this.candsOf(text);
      if (groupTest(this.ix, g, text, cands, this.startRange(scope))) memo[MEMO_WORDS + w]! |= bit;
    }
    return (memo[MEMO_WORDS + w]! & bit) !== 0;
  }

  countGroup(g: number, cap = 10): number {
    const key = g * 1000 + cap;
    let n = this.counts.get(key);
    if (n === undefined) {
      n = groupCount(this.ix, g, this.ask, this.candsOf(this.ask), cap);
      this.counts.set(key, n);
    }
    return n;
  }

  text(scope: Scope): string {
    return scope === 'whole' ? this.core : this.ask;
  }

  startRange(scope: Scope): StartRange {
    return scope === 'edges' ? this.edgeRange : ANY_START;
  }

  /** The candidates of the ask window or the 'whole' text, indexed on first use. */
  private candsOf(text: string): Candidates {
    return text === this.ask
      ? (this.askCands ??= indexText(this.ix, this.ask, this.scratch))
      : (this.coreCands ??= indexText(this.ix, this.core, this.scratch));
  }

  /** A start-anchored group on the whole text needs only the walk from position 0 (unless the full index is there anyway). */
  private wholeCands(g: number): Candidates {
    return this.core === this.ask || this.coreCands !== undefined || this.ix.startOnly[g] === 0
      ? this.candsOf(this.core)
      : (this.coreStartCands ??= indexText(this.ix, this.core, this.scratch, 1));
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
