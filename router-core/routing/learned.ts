// Learned complexity estimate: an ordinal logistic model over the rule features, pattern groups and hashed words (weights in data/router-weights.json).
import { patternGroups, type PatternGroupId } from '../data/keywords.js';
import weightsJson from '../data/router-weights.json' with { type: 'json' };
import { analyseRules, defaultThresholds, levelOf, type ComplexityEstimate, type ComplexityThresholds } from './complexity.js';
import { extractFeatures, groupNumber } from './features.js';
import { TextScratch } from './text-index/scratch.js';

/**
 * The trained model, as scripts/train-router.ts writes it.
 *
 * Ordinal logistic regression over one linear score z = w·x:
 *   P(tier ≥ medium) = σ(z − cuts[0]),  P(tier = cloud) = σ(z − cuts[1]).
 * The complexity score is σ(scale·(z − center)): monotone in z, and fitted so that the default thresholds
 * (0.3 / 0.6) fall on the operating points chosen at training time.
 */
export interface RouterWeights {
  version: 1;
  /** Names of the dense features, in the order of `dense`. */
  features: string[];
  /** Weight of each dense feature. */
  dense: number[];
  /** Number of hashed word buckets and their weights. */
  lexBuckets: number;
  lex: number[];
  /** Ordinal cut points (medium, cloud) on z. */
  cuts: [number, number];
  /** Score map: score = σ(scale·(z − center)). */
  scale: number;
  center: number;
  /**
   * Isotonic calibration of each ordinal threshold, fitted on leave-one-source-out scores: calibrated
   * P(≥medium) = f_medium(z − cuts[0]), P(cloud) = f_cloud(z − cuts[1]), each f monotone and piecewise linear through
   * its knots. Absent: the raw ordinal probabilities.
   */
  calibration?: Calibration;
  /** The Quality ↔ Cost knob: each stop's P(cloud) threshold, its score threshold, and what it did on held-out sources. */
  knob?: KnobStop[];
  /** Provenance: how it was trained and what it scored on held-out sources (never on the dev set). */
  meta: Record<string, unknown>;
}

/** Knots [u, p] of a monotone piecewise-linear map from u = z − cut to a probability, u ascending, p non-decreasing. */
export type CalibrationKnots = Array<[number, number]>;

/** The calibration maps of the medium and cloud thresholds. */
export interface Calibration {
  medium: CalibrationKnots;
  cloud: CalibrationKnots;
}

/** A calibration map's probability at u: linear between knots, flat beyond the ends. */
export function calibrate(knots: CalibrationKnots, u: number): number {
  const n = knots.length;
  if (u <= knots[0]![0]) return knots[0]![1];
  if (u >= knots[n - 1]![0]) return knots[n - 1]![1];
  let lo = 0;
  let hi = n - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (knots[mid]![0] <= u) lo = mid;
    else hi = mid;
  }
  const [u0, p0] = knots[lo]!;
  const [u1, p1] = knots[hi]!;
  return u1 === u0 ? p1 : p0 + ((p1 - p0) * (u - u0)) / (u1 - u0);
}

/** The smallest u at which a calibration map reaches p, or null when it never does (inverse of calibrate). */
export function uncalibrate(knots: CalibrationKnots, p: number): number | null {
  if (knots[0]![1] >= p) return knots[0]![0];
  for (let i = 1; i < knots.length; i++) {
    const [u0, p0] = knots[i - 1]!;
    const [u1, p1] = knots[i]!;
    if (p1 >= p) return p1 === p0 ? u1 : u0 + ((u1 - u0) * (p - p0)) / (p1 - p0);
  }
  return null;
}

/** One stop of the Quality ↔ Cost knob, measured on sources the model was not trained on. */
export interface KnobStop {
  /** Send to the cloud when the calibrated P(cloud) is at least this. */
  pCloud: number;
  /** The complexity-score threshold equivalent to pCloud (what `thresholds.cloud` is set to). */
  score: number;
  /** Share of validation prompts sent to the cloud, under-routed, over-routed and exactly routed at this stop. */
  cloudShare: number;
  under: number;
  over: number;
  exact: number;
}

/** A learned estimate: the usual score/level/reasons plus the tier probabilities. */
export interface LearnedEstimate extends ComplexityEstimate {
  /** P(small), P(medium), P(cloud). */
  probs: [number, number, number];
}

/** Groups also read at the edges of a long prompt (where the ask of a long input sits). */
const EDGE_GROUPS = [
  'trivialAsk',
  'longSummaryRewrite',
  'synthesis',
  'codeTrivialQuestion',
  'codeExplain',
  'codeHardAsk',
  'labelSet',
  'proof',
  'lexicalConstraint',
  'lowResourceLanguage',
] as const satisfies readonly PatternGroupId[];
/** Groups anchored to the whole (short) prompt. */
const WHOLE_GROUPS = [
  'greeting',
  'aboutAssistant',
  'arithmetic',
  'titleRequest',
  'whyQuestion',
] as const satisfies readonly PatternGroupId[];
/** Groups whose number of hits matters (up to COUNT_CAP). */
const COUNT_GROUPS = [
  'multiStepMarkers',
  'formatConstraint',
  'legalTerms',
  'taxTerms',
  'medicalTerms',
  'financeTerms',
  'complexKeywords',
  'simpleKeywords',
  'statsTerms',
  'arrangementClue',
  'wordProblemTrap',
  'jurisdiction',
  'compassDirection',
] as const satisfies readonly PatternGroupId[];
/** why: past four hits a count says nothing new (a fifth legal term is not a harder question). */
const COUNT_CAP = 4;
/**
 * Groups read in the ask window: all but 'arithmetic', whose pattern cannot use the prefix index (a full regex scan
 * of the window, the single most expensive test) and which only means something on a short whole prompt (WHOLE_GROUPS).
 */
const GROUP_IDS = (Object.keys(patternGroups) as PatternGroupId[]).filter((g) => g !== 'arithmetic');
/** The same lists as group numbers (features.ts), so the per-request loops skip a name lookup per group. */
const GROUP_NUMBERS = GROUP_IDS.map(groupNumber);
const EDGE_NUMBERS = EDGE_GROUPS.map(groupNumber);
const WHOLE_NUMBERS = WHOLE_GROUPS.map(groupNumber);
const COUNT_NUMBERS = COUNT_GROUPS.map(groupNumber);
const TASKS = ['chit-chat', 'lookup', 'question', 'generation', 'code-or-math', 'reasoning'] as const;

/** Dense feature names, in vector order; the weights file must list exactly these. */
export const denseFeatureNames: readonly string[] = [
  'bias',
  'rule:none',
  'rule:chitchat',
  'rule:small',
  'rule:medium',
  'rule:cloud',
  'rule:cloud-floor',
  'rule:score',
  'base',
  'factor:length',
  'factor:keywords',
  'factor:code',
  ...TASKS.map((t) => `task:${t}`),
  'len:<=40',
  'len:<=120',
  'len:<=220',
  'len:<=400',
  'len:<=900',
  'len:long-input',
  'code:fenced',
  'code:3+lines',
  'code:8+lines',
  'code:30+lines',
  'num:count',
  'num:2+',
  'num:5+',
  'list:4+',
  'script:cjk',
  'script:low-resource',
  'text:question-mark',
  'text:lines',
  'text:exact-word-count',
  'text:named-law',
  ...GROUP_IDS.map((g) => `group:${g}`),
  ...EDGE_GROUPS.map((g) => `edge:${g}`),
  ...WHOLE_GROUPS.map((g) => `whole:${g}`),
  ...COUNT_GROUPS.map((g) => `count:${g}`),
];

/** Features of one prompt: the dense vector and the active hashed word buckets (deduplicated). */
export interface LearnedFeatures {
  dense: Float64Array;
  lex: number[];
  /** The rules' own analysis (its deciding reason leads the learned reasons). */
  rules: ReturnType<typeof analyseRules>;
}

/**
 * Word buckets: FNV-1a of word unigrams and bigrams (CJK: character unigrams and bigrams) of the ask window.
 * why: lets the model learn vocabulary the pattern tables lack, at a fixed cost; binary presence, so a long
 * prompt does not outweigh a short one by repetition.
 */
export function lexBuckets(text: string, buckets: number, scratch: LearnedScratch = new LearnedScratch()): number[] {
  const out: number[] = [];
  // A reusable mark per bucket (cleared before returning): cheaper than a Set on the hot path.
  if (scratch.seen.length !== buckets) scratch.seen = new Uint8Array(buckets);
  const mark = scratch.seen;
  const mask = buckets - 1;
  // why no helper closures: state they close over lives on the heap (~14 ns a character against ~9 in locals).
  let prev = 0;
  let h = 0x811c9dc5;
  let len = 0;
  let prevCjk = 0;
  const codes = scratch.text.units.of(text);
  const n = text.length;
  // One step past the end: a virtual separator ends the last word.
  for (let i = 0; i <= n; i++) {
    const c = i < n ? codes[i]! : 32;
    if ((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 39 || (c >= 0xc0 && c < 0x2000 && c !== 0xd7 && c !== 0xf7)) {
      prevCjk = 0;
      // Digits fold to one symbol: "12 apples" and "7 apples" are the same wording.
      h = Math.imul(h ^ (c >= 48 && c <= 57 ? 48 : c), 0x01000193);
      len++;
      continue;
    }
    if (len > 0) {
      // A word ends: its bucket, and its bigram with the word before (words of 2-24 characters only).
      if (len >= 2 && len <= 24) {
        const w = h >>> 0;
        addBucket(mark, out, w & mask);
        if (prev !== 0) addBucket(mark, out, ((Math.imul(prev ^ 0x9e3779b9, 0x01000193) ^ w) >>> 0) & mask);
        prev = w;
      } else prev = 0;
      h = 0x811c9dc5;
      len = 0;
    }
    if ((c >= 0x3040 && c <= 0x30ff) || (c >= 0x4e00 && c <= 0x9fff) || (c >= 0xac00 && c <= 0xd7af)) {
      const u = Math.imul(c ^ 0x811c9dc5, 0x01000193) >>> 0;
      addBucket(mark, out, u & mask);
      if (prevCjk !== 0) addBucket(mark, out, ((Math.imul(prevCjk, 31) ^ u) >>> 0) & mask);
      prevCjk = u;
    } else prevCjk = 0;
  }
  for (const b of out) mark[b] = 0;
  return out;
}

/** Add bucket b to `out` unless `mark` says it is there. */
function addBucket(mark: Uint8Array, out: number[], b: number): void {
  if (mark[b] === 0) {
    mark[b] = 1;
    out.push(b);
  }
}

/** why: three contributions name what drove the decision without turning the badge into a table. */
const TOP_REASONS = 3;

/**
 * The learned estimator's working memory, reused by every call that gets it (one per thread: calls are synchronous):
 * the dense vector, the top contributions, the word-bucket marks, and the text walks' scratch.
 */
export class LearnedScratch {
  /** estimateLearned's dense vector (it never leaves the call). */
  readonly dense = new Float64Array(denseFeatureNames.length);
  /** The largest contributions so far (by |v|, largest first) and their features (-1 = word buckets). */
  readonly topV = new Float64Array(TOP_REASONS);
  readonly topI = new Int32Array(TOP_REASONS);
  /** One mark per word bucket, all 0 between calls. */
  seen = new Uint8Array(0);

  constructor(readonly text: TextScratch = new TextScratch()) {}
}

/** Compute the learned model's inputs for a prompt (pure). */
export function learnedFeatures(
  prompt: string,
  buckets: number = weights().lexBuckets,
  scratch: LearnedScratch = new LearnedScratch(),
): LearnedFeatures {
  return fillFeatures(prompt, buckets, new Float64Array(denseFeatureNames.length), scratch);
}

/** learnedFeatures() writing the dense vector into `x` (every entry is written). */
function fillFeatures(prompt: string, buckets: number, x: Float64Array, scratch: LearnedScratch): LearnedFeatures {
  const f = extractFeatures(prompt, { scratch: scratch.text });
  const rules = analyseRules(f);
  // Written in order with a local index (booleans as 0/1); no put() helper, for the reason given in lexBuckets.
  let k = 0;
  x[k++] = 1;
  x[k++] = Number(rules.band === null);
  x[k++] = Number(rules.band === 'chitchat');
  x[k++] = Number(rules.band === 'small');
  x[k++] = Number(rules.band === 'medium');
  x[k++] = Number(rules.band === 'cloud');
  // why: cloud floors run 0.7-0.85; rescaled to 0..1 so the surest rules can weigh more.
  x[k++] = rules.cloudFloor === 0 ? 0 : (rules.cloudFloor - 0.6) / 0.3;
  x[k++] = rules.score;
  x[k++] = rules.base;
  x[k++] = rules.factors.length;
  x[k++] = rules.factors.keywords;
  x[k++] = rules.factors.code;
  for (const t of TASKS) x[k++] = Number(rules.factors.task === t);
  x[k++] = Number(f.effLength <= 40);
  x[k++] = Number(f.effLength <= 120);
  x[k++] = Number(f.effLength <= 220);
  x[k++] = Number(f.effLength <= 400);
  x[k++] = Number(f.effLength <= 900);
  x[k++] = Number(f.longInput);
  x[k++] = Number(f.code.fencedBlocks > 0);
  x[k++] = Number(f.code.codeLines >= 3);
  x[k++] = Number(f.code.codeLines >= 8);
  x[k++] = Number(f.code.codeLines >= 30);
  x[k++] = Math.min(f.numberCount, 10) / 10;
  x[k++] = Number(f.numberCount >= 2);
  x[k++] = Number(f.numberCount >= 5);
  // As in the rules: a list only counts in an instruction, not inside pasted material (and skipping it there
  // saves a regex pass over a long prompt).
  x[k++] = Number(!f.longInput && f.listItems >= 4);
  x[k++] = f.cjkShare;
  x[k++] = Number(f.lowResourceScript);
  const ask = f.text('ask');
  x[k++] = Number(ask.includes('?') || ask.includes('？'));
  x[k++] = Math.min(countLines(ask), 20) / 20;
  x[k++] = Number(f.exactWordCount);
  // A statute name only matters next to legal vocabulary (the rules read it the same way); skips a regex otherwise.
  x[k++] = Number(f.count('legalTerms', 1) > 0 && f.namedLaw);
  for (const g of GROUP_NUMBERS) x[k++] = Number(f.hasGroup(g));
  for (const g of EDGE_NUMBERS) x[k++] = Number(f.hasGroup(g, 'edges'));
  for (const g of WHOLE_NUMBERS) x[k++] = Number(f.hasGroup(g, 'whole'));
  for (const g of COUNT_NUMBERS) x[k++] = f.countGroup(g, COUNT_CAP) / COUNT_CAP;
  return { dense: x, lex: lexBuckets(ask, buckets, scratch), rules };
}

function countLines(text: string): number {
  let n = 1;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

let loaded: RouterWeights | undefined;

/** The shipped weights, checked once against the feature list of this build. */
export function weights(): RouterWeights {
  if (!loaded) {
    const w = weightsJson as unknown as RouterWeights;
    if (
      w.version !== 1 ||
      w.features.length !== denseFeatureNames.length ||
      w.features.some((n, i) => n !== denseFeatureNames[i]) ||
      w.dense.length !== w.features.length ||
      w.lex.length !== w.lexBuckets ||
      (w.lexBuckets & (w.lexBuckets - 1)) !== 0
    ) {
      throw new Error("data/router-weights.json does not match this build's features: run `npx tsx scripts/train-router.ts`.");
    }
    loaded = w;
  }
  return loaded;
}

/** Linear score z of a feature vector under `w`. */
export function linearScore(x: LearnedFeatures, w: RouterWeights): number {
  let z = 0;
  for (let i = 0; i < x.dense.length; i++) z += w.dense[i]! * x.dense[i]!;
  for (const b of x.lex) z += w.lex[b]!;
  return z;
}

/** Tier probabilities from z and the ordinal cuts, calibrated when the weights carry a calibration. */
export function tierProbs(z: number, cuts: readonly [number, number], cal?: Calibration): [number, number, number] {
  const atLeastMedium = cal ? calibrate(cal.medium, z - cuts[0]) : sigmoid(z - cuts[0]);
  const rawCloud = cal ? calibrate(cal.cloud, z - cuts[1]) : sigmoid(z - cuts[1]);
  const cloud = Math.min(atLeastMedium, rawCloud);
  return [1 - atLeastMedium, atLeastMedium - cloud, cloud];
}

/** The Quality ↔ Cost knob's stops of the shipped weights (empty for weights trained without validation data). */
export function qualityCostKnob(w: RouterWeights = weights()): readonly KnobStop[] {
  return w.knob ?? [];
}

/**
 * The complexity-score threshold at which the calibrated P(cloud) reaches `p` (what the Quality ↔ Cost knob sets
 * `thresholds.cloud` to); null when the weights carry no calibration.
 */
export function scoreForCloudProbability(p: number, w: RouterWeights = weights()): number | null {
  if (!w.calibration || !(p > 0 && p < 1)) return null;
  const u = uncalibrate(w.calibration.cloud, p);
  if (u === null) return null;
  return Math.round(sigmoid(w.scale * (w.cuts[1] + u - w.center)) * 10000) / 10000;
}

/** The knob stop whose score threshold is nearest `cloudThreshold` (what a Settings slider shows for saved thresholds). */
export function knobStopFor(cloudThreshold: number, w: RouterWeights = weights()): KnobStop | null {
  let best: KnobStop | null = null;
  for (const k of qualityCostKnob(w)) if (!best || Math.abs(k.score - cloudThreshold) < Math.abs(best.score - cloudThreshold)) best = k;
  return best;
}

/** Words for the dense features that are not pattern groups or task types. */
const DENSE_WORDS: Readonly<Record<string, string>> = {
  'rule:none': 'no decisive rule',
  'rule:chitchat': 'chit-chat rule',
  'rule:small': 'a small-tier rule',
  'rule:medium': 'a medium-tier rule',
  'rule:cloud': 'a cloud rule',
  'rule:cloud-floor': 'a sure cloud rule',
  'rule:score': 'rule score',
  base: 'seed factors',
  'factor:length': 'prompt length',
  'factor:keywords': 'analysis/depth keywords',
  'factor:code': 'code in the prompt',
  'len:<=40': 'very short prompt',
  'len:<=120': 'one-line prompt',
  'len:<=220': 'short prompt',
  'len:<=400': 'medium-length prompt',
  'len:<=900': 'prompt under ~150 words',
  'len:long-input': 'long input pasted',
  'code:fenced': 'fenced code block',
  'code:3+lines': 'code pasted',
  'code:8+lines': 'non-trivial code pasted',
  'code:30+lines': 'long code listing',
  'num:count': 'numbers in the ask',
  'num:2+': 'several numbers',
  'num:5+': 'many numbers',
  'list:4+': 'multi-item list',
  'script:cjk': 'CJK text',
  'script:low-resource': 'low-resource script',
  'text:question-mark': 'phrased as a question',
  'text:lines': 'multi-line ask',
  'text:exact-word-count': 'exact word count',
  'text:named-law': 'names a statute',
};

/** Words for a dense feature, for reasons (never the prompt's own text). */
function describe(name: string): string {
  const [kind, id] = name.split(':') as [string, string | undefined];
  if ((kind === 'group' || kind === 'edge' || kind === 'whole' || kind === 'count') && id && id in patternGroups) {
    const r = patternGroups[id as PatternGroupId].reason.split(' → ')[0]!;
    return kind === 'edge' ? `${r} (at the ask)` : kind === 'count' ? `several ${r} signals` : r;
  }
  if (kind === 'task' && id) return `task type ${id}`;
  return DENSE_WORDS[name] ?? name;
}

let descriptions: string[] | undefined;

/** describe() of every dense feature, in vector order, computed once (reasons are built on every request). */
function denseDescriptions(): string[] {
  return (descriptions ??= denseFeatureNames.map(describe));
}

/**
 * Rules precise enough to override the model (first match of the rule list decides).
 * why: on the training set these bands were right on every (or all but one) prompt they fired on: greetings and
 * questions about the assistant are small; proofs, letter counting and low-resource languages are cloud. The model
 * learns them too, but a hard override keeps them right when unusual wording pulls the linear score elsewhere.
 */
const SURE_SMALL_RULES: ReadonlySet<string> = new Set(['greeting', 'aboutAssistant']);
const SURE_CLOUD_RULES: ReadonlySet<string> = new Set(['proof', 'charLevel', 'lowResourceScript', 'lowResourceLanguage']);
/** Scores the overrides pin to. why: the rules' own chit-chat cap and sure-cloud floor, well inside their bands. */
const OVERRIDE_SMALL_SCORE = 0.05;
const OVERRIDE_CLOUD_SCORE = 0.85;

/** The level a high-precision rule forces, or null when the model decides. */
export function ruleOverride(rules: LearnedFeatures['rules']): 'small' | 'cloud' | null {
  if (rules.rule === null) return null;
  if (SURE_SMALL_RULES.has(rules.rule)) return 'small';
  if (SURE_CLOUD_RULES.has(rules.rule)) return 'cloud';
  return null;
}

/** Put contribution (v, i) among the top ones in `s` after any as large (stable order); returns how many are kept. */
function keepTop(s: LearnedScratch, n: number, v: number, i: number): number {
  const { topV, topI } = s;
  const a = Math.abs(v);
  let pos = 0;
  while (pos < n && Math.abs(topV[pos]!) >= a) pos++;
  if (pos >= TOP_REASONS) return n;
  for (let k = Math.min(n, TOP_REASONS - 1); k > pos; k--) {
    topV[k] = topV[k - 1]!;
    topI[k] = topI[k - 1]!;
  }
  topV[pos] = v;
  topI[pos] = i;
  return Math.min(n + 1, TOP_REASONS);
}
/** why: contributions under 0.25 in z move a probability by a few points at most; not worth a reason. */
const MIN_REASON_WEIGHT = 0.25;

/**
 * Estimate complexity with the learned model. Same contract as estimateComplexity: score in [0,1], level
 * against `thresholds`, short reasons that never echo the prompt (top contributing features in words).
 */
export function estimateLearned(
  prompt: string,
  thresholds: ComplexityThresholds = defaultThresholds,
  scratch?: LearnedScratch,
): LearnedEstimate {
  return estimateLearnedWith(weights(), prompt, thresholds, scratch);
}

/** estimateLearned under explicit weights (an earlier model for comparison, or a routing experiment's arm). */
export function estimateLearnedWith(
  w: RouterWeights,
  prompt: string,
  thresholds: ComplexityThresholds = defaultThresholds,
  scratch: LearnedScratch = new LearnedScratch(),
): LearnedEstimate {
  // The dense vector lives only for this call: a reused buffer saves an off-heap allocation per request.
  const x = fillFeatures(prompt, w.lexBuckets, scratch.dense, scratch);
  const z = linearScore(x, w);
  const probs = tierProbs(z, w.cuts, w.calibration);
  let score = Math.round(sigmoid(w.scale * (z - w.center)) * 1000) / 1000;
  const forced = ruleOverride(x.rules);
  if (forced === 'small') score = Math.min(score, OVERRIDE_SMALL_SCORE);
  else if (forced === 'cloud') score = Math.max(score, OVERRIDE_CLOUD_SCORE);

  // Contributions of named features (bias excluded) and of the word buckets taken together (-1); words only for the top
  // ones, kept as they come (no object per contribution, no sort): ties keep the earlier one, as a stable sort would.
  let nTop = 0;
  for (let i = 1; i < x.dense.length; i++) {
    const v = w.dense[i]! * x.dense[i]!;
    if (Math.abs(v) >= MIN_REASON_WEIGHT) nTop = keepTop(scratch, nTop, v, i);
  }
  let lex = 0;
  for (const b of x.lex) lex += w.lex[b]!;
  if (Math.abs(lex) >= MIN_REASON_WEIGHT) nTop = keepTop(scratch, nTop, lex, -1);
  const pct = (p: number): string => `${Math.round(p * 100)}%`;
  const reasons = [
    `learned estimate: small ${pct(probs[0])}, medium ${pct(probs[1])}, cloud ${pct(probs[2])}`,
    ...(forced !== null ? [`rule decides: ${x.rules.reasons[0]}`] : x.rules.band !== null ? [`rule: ${x.rules.reasons[0]}`] : []),
  ];
  for (let k = 0; k < nTop; k++) {
    const v = scratch.topV[k]!;
    const i = scratch.topI[k]!;
    const name = i >= 0 ? denseDescriptions()[i]! : v > 0 ? 'wording typical of harder prompts' : 'wording typical of simpler prompts';
    reasons.push(`${v > 0 ? '↑' : '↓'} ${name} (${v > 0 ? '+' : ''}${v.toFixed(1)})`);
  }
  return { score, level: levelOf(score, thresholds), reasons, probs };
}
