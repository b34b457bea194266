// Complexity estimate: the seed's four weighted factors, then ordered rules from the labelling principle that pin the tier band.
import type { PatternGroupId } from '../data/keywords.js';
import { codeFactor, keywordFactor, lengthFactor, taskTypeFactor, type TaskType } from './factors.js';
import { extractFeatures, groupReason, type PromptFeatures } from './features.js';
import type { TextScratch } from './text-index/scratch.js';

/** Which class of model a prompt needs: ~1B local, ~3-8B local, or a frontier cloud model. */
export type ComplexityLevel = 'small' | 'medium' | 'cloud';

/** Score cut-offs: score >= medium → 'medium'; score >= cloud → 'cloud'; else 'small'. */
export interface ComplexityThresholds {
  medium: number;
  cloud: number;
}

/**
 * The seed's thresholds (0.3 / 0.6). The rule bands below are calibrated to them: small rules cap the
 * score well under 0.3, medium rules keep it in 0.35-0.58, cloud rules lift it to ≥ 0.7.
 */
export const defaultThresholds: ComplexityThresholds = { medium: 0.3, cloud: 0.6 };

/** The estimate for one prompt. */
export interface ComplexityEstimate {
  /** Complexity in [0,1]. */
  score: number;
  /** The score read against the thresholds. */
  level: ComplexityLevel;
  /** Short human-readable reasons, the deciding one first; never echoes the prompt. */
  reasons: string[];
}

/**
 * Weights of the seed's four factors (sum 1).
 * why: kept exactly as the seed published them (length 30%, keywords 30%, code 25%, task type 15%),
 * so the base score stays comparable; the rules below fix what those factors cannot see.
 */
const factorWeights = { length: 0.3, keywords: 0.3, code: 0.25, taskType: 0.15 } as const;

/**
 * Score floors for cloud rules. why: all sit above the 0.6 cloud threshold with margin, and the surer
 * the signal (a proof request, a letter count) the higher the floor, so a user who raises the cloud
 * threshold keeps the surest cases in the cloud first.
 */
const CLOUD_SURE = 0.85;
const CLOUD_STRONG = 0.78;
const CLOUD = 0.7;
/** why: medium rules lift to 0.35, inside the medium band (0.3-0.6) with margin from both edges. */
const MEDIUM_FLOOR = 0.35;
/**
 * why: medium rules also cap at 0.58, so a long but routine ask (summarise this report) does not drift
 * into the cloud band on length alone; only a cloud rule sends it there.
 */
const MEDIUM_CAP = 0.58;
/** why: small rules cap at 0.2, a clear 0.1 under the medium threshold. */
const SMALL_CAP = 0.2;
/** why: chit-chat is the surest small case: capped near zero. */
const CHITCHAT_CAP = 0.05;

/**
 * A short ask: at most this many script-aware characters (≈ 35 words).
 * why: "short transform" rules (define, translate a sentence, classify) only hold for short inputs;
 * longer inputs make the same verbs routine generation.
 */
const SHORT_ASK = 220;
/** why: a bare fact question or FAQ one-liner is one line (≈ 20 words); longer ones carry context. */
const ONE_LINER = 120;
/** why: a question of ≤ 40 characters (≈ 7 words) names one well-known thing; longer ones ask for an account. */
const TINY_QUESTION = 40;
/** why: 8+ code lines is "non-trivial code" in rule 3; fewer is a snippet a mid-size model can debug. */
const NONTRIVIAL_CODE_LINES = 8;
/** why: three or more inference terms (least squares, t statistic, R²) is a question about estimators, not a definition. */
const STATS_TERMS = 3;
/** why: three or more stacked format rules (IFEval style) is where mid-size models start dropping some. */
const MANY_FORMAT_CONSTRAINTS = 3;

/** The band a decisive rule pins the score into. */
type Band = 'chitchat' | 'small' | 'medium' | { cloud: number };

interface Decision {
  band: Band;
  reason: string;
  /** Pattern group (or named signal) that decided, when one did. */
  id?: string;
}

/** The rules' reading of one prompt: the seed-factor base score, the deciding rule's band, the final score, reasons. */
export interface RuleAnalysis {
  /** Seed-factor score plus structure boosts, before any rule pins it. */
  base: number;
  /** Band of the first matching rule, or null when no rule decided. */
  band: 'chitchat' | 'small' | 'medium' | 'cloud' | null;
  /** Pattern group (or named signal) of the deciding rule, when it has one. */
  rule: string | null;
  /** Score floor of a cloud rule (0 for other bands): the surer the signal, the higher. */
  cloudFloor: number;
  /** The rules' final score in [0,1]. */
  score: number;
  /** The seed's four factors. */
  factors: { length: number; keywords: number; code: number; taskType: number; task: TaskType };
  /** Multi-step/requirement markers counted (up to 8). */
  steps: number;
  /** Human-readable reasons, the deciding one first. */
  reasons: string[];
}

/**
 * Estimate how hard a prompt is, as a score in [0,1], a level against `thresholds`, and reasons.
 *
 * 1. Base: the seed's four factors (length, keywords, code, task type), weighted 30/30/25/15, plus
 *    small boosts for multi-step structure.
 * 2. Rules: ordered like the labelling principle (chit-chat, character-level, long input labelled by
 *    its ask, pasted code, proofs/puzzles/expert cases, short transforms, routine generation); the first
 *    that matches pins the score into its band (cap for small, floor+cap for medium, floor for cloud).
 * 3. No rule: the base score decides.
 *
 * Pure: no I/O, no clock, no randomness; the same prompt always gets the same estimate. Fast: long
 * prompts are read through fixed windows at both ends, and patterns are matched through a prefix index
 * (see text-index/pattern-index.ts), so a 4,000-character prompt costs tens of microseconds.
 */
export function estimateComplexity(
  prompt: string,
  thresholds: ComplexityThresholds = defaultThresholds,
  scratch?: TextScratch,
): ComplexityEstimate {
  const a = analyseRules(extractFeatures(prompt, { scratch }));
  return { score: a.score, level: levelOf(a.score, thresholds), reasons: a.reasons };
}

/** The rule-based analysis of already extracted features (shared with the learned estimator, which reads it as features). */
export function analyseRules(f: PromptFeatures): RuleAnalysis {
  const length = lengthFactor(f);
  const keywords = keywordFactor(f);
  const code = codeFactor(f);
  const task = taskTypeFactor(f);
  let base =
    factorWeights.length * length.value +
    factorWeights.keywords * keywords.value +
    factorWeights.code * code.value +
    factorWeights.taskType * task.value;

  const boostReasons: string[] = [];
  // why: each requirement word beyond two ("must", "then", "ensure") is one more thing to keep track of;
  // +0.03 each, at most +0.15, so structure alone moves a prompt about half a band.
  const steps = f.count('multiStepMarkers', 8);
  if (steps > 2) {
    base += Math.min(0.15, 0.03 * (steps - 2));
    boostReasons.push(`${steps} multi-step/requirement markers`);
  }
  // why: a numbered or bulleted list of 4+ items in an instruction is a multi-part spec (+0.05).
  if (!f.longInput && f.listItems >= 4) {
    base += 0.05;
    boostReasons.push(`${f.listItems} list items`);
  }
  // why: number-theory / formal vocabulary marks non-routine math (+0.1), without deciding alone.
  if (f.has('numberTheory') && (f.has('wordProblem') || f.has('algebra') || f.numberCount >= 2)) {
    base += 0.1;
    boostReasons.push(groupReason('numberTheory'));
  }
  base = clamp01(base);

  const decision = decide(f);
  let score = base;
  let band: RuleAnalysis['band'] = null;
  let cloudFloor = 0;
  if (decision !== undefined) {
    const b = decision.band;
    if (b === 'chitchat') score = Math.min(base, CHITCHAT_CAP);
    else if (b === 'small') score = Math.min(base, SMALL_CAP);
    else if (b === 'medium') score = Math.min(Math.max(base, MEDIUM_FLOOR), MEDIUM_CAP);
    else {
      score = Math.max(base, b.cloud);
      cloudFloor = b.cloud;
    }
    band = typeof b === 'string' ? b : 'cloud';
  }
  score = Math.round(clamp01(score) * 1000) / 1000;

  const reasons: string[] = [];
  if (decision !== undefined) reasons.push(decision.reason);
  else reasons.push(`no decisive rule → seed factors decide (base ${base.toFixed(2)})`);
  reasons.push(length.reason);
  if (keywords.value !== 0.35) reasons.push(keywords.reason);
  if (code.value > 0) reasons.push(code.reason);
  reasons.push(task.reason, ...boostReasons);

  return {
    base,
    band,
    rule: decision?.id ?? null,
    cloudFloor,
    score,
    factors: { length: length.value, keywords: keywords.value, code: code.value, taskType: task.value, task: task.type },
    steps,
    reasons,
  };
}

/** Read a score against thresholds. */
export function levelOf(score: number, thresholds: ComplexityThresholds = defaultThresholds): ComplexityLevel {
  if (score >= thresholds.cloud) return 'cloud';
  if (score >= thresholds.medium) return 'medium';
  return 'small';
}

/** The ordered rules; first match wins. Each mirrors one rule of shared/eval/README.md. */
function decide(f: PromptFeatures): Decision | undefined {
  const hit = (id: PatternGroupId, band: Band): Decision => ({ band, reason: groupReason(id), id });
  const hasCode = f.code.codeLines >= 3 || f.code.fencedBlocks > 0;
  const programming = hasCode || f.has('programming') || f.has('codeGeneration');
  const shortAsk = !f.longInput && !hasCode && f.askEffLength <= SHORT_ASK;

  // Rule 1: greetings, thanks, questions about the assistant (whole prompt, short).
  if (f.effLength <= 80 && (f.has('greeting', 'whole') || f.has('aboutAssistant', 'whole'))) {
    return hit(f.has('greeting', 'whole') ? 'greeting' : 'aboutAssistant', 'chitchat');
  }
  // Rule 12: written in a script local models barely know → the answer will be in it too.
  if (f.lowResourceScript)
    return {
      band: { cloud: CLOUD_STRONG },
      reason: 'written in a low-resource script → local models answer poorly',
      id: 'lowResourceScript',
    };
  // Rule 11: character-level and exact-count tasks look trivial but are not (unless the ask is code that counts).
  if (f.has('charLevel') && !(f.has('codeGeneration') && f.has('programming'))) return hit('charLevel', { cloud: CLOUD_STRONG });

  // Rules 2-3: a long input or pasted code is labelled by its ask, read at the edges of the prompt.
  if (f.longInput || hasCode) {
    const ask = askOnMaterial(f, hasCode);
    if (ask !== undefined) return ask;
  }

  // Rules 7-10: the hard cases that look easy or routine.
  const cloud = cloudSignal(f, programming) ?? expertSignal(f);
  if (cloud !== undefined) return cloud;

  // Rule 5 (and 2): a classification ask with its label set is small at any length of input.
  if (!hasCode && f.has('labelSet', 'edges') && !f.has('routineWriting')) return hit('labelSet', 'small');

  // Rule 5 / 7 / 8: short transforms, FAQ one-liners, single arithmetic (short prompts only).
  if (shortAsk) {
    const writing = f.has('routineWriting');
    if (f.has('arithmetic', 'whole')) return hit('arithmetic', 'small');
    if (f.has('wordLevel')) return hit('wordLevel', 'small');
    if (f.has('classification') && !writing) return hit('classification', 'small');
    if (f.has('shortRewrite') && !writing) return hit('shortRewrite', 'small');
    if (f.has('sortFormat') && !writing) return hit('sortFormat', 'small');
    if (f.has('translate') && !writing) return hit('translate', 'small');
    if (f.has('titleRequest', 'whole')) return hit('titleRequest', 'small');
    if (f.has('shortCreative') && !writing) return hit('shortCreative', 'small');
    if (f.askEffLength <= ONE_LINER && f.has('codeFaq')) return hit('codeFaq', 'small');
  }

  // Rule 6 / 7 / 8 / 9: routine generation and standard tasks.
  if (hasCode) return { band: 'medium', reason: 'code pasted with a routine ask → mid-size model' };
  // Rule 4: a why-question of a few words asks about one well-known phenomenon (why the sky is blue).
  if (shortAsk && f.askEffLength <= TINY_QUESTION && f.has('whyQuestion', 'whole')) return hit('whyQuestion', 'small');
  const mediumGroups: readonly PatternGroupId[] = [
    'codeGeneration',
    'probability',
    'algebra',
    'routineWriting',
    'longSummaryRewrite',
    'rolePlay',
    'counterfactual',
    'symptomTriage',
    'howTo',
    'advice',
    'explanation',
    'longTailFact',
  ];
  for (const id of mediumGroups) if (f.has(id)) return hit(id, 'medium');
  if (f.has('wordProblem') && f.numberCount >= 2) return hit('wordProblem', 'medium');
  // Rule 4/9: two domain terms without case details is general expertise, where 1B models hallucinate.
  if (f.count('legalTerms', 2) + f.count('taxTerms', 2) + f.count('medicalTerms', 2) + f.count('financeTerms', 2) >= 2) {
    return { band: 'medium', reason: 'general legal/tax/medical/finance question → mid-size model' };
  }
  if (f.count('formatConstraint', 2) >= 1) return { band: 'medium', reason: 'a format constraint on free text → mid-size model' };
  if (f.longInput) return { band: 'medium', reason: 'long input with a non-trivial ask → mid-size model' };

  // Rule 4: a short common-knowledge question.
  if (shortAsk && f.askEffLength <= ONE_LINER && f.has('commonFact')) return hit('commonFact', 'small');
  return undefined;
}

/**
 * Rules 2-3: what is asked about a long input or pasted code, looked for at the prompt's edges (where
 * the instruction sits). Domain words inside the pasted material do not count here: an article about a
 * court case with "give it a title" is a title request.
 */
function askOnMaterial(f: PromptFeatures, hasCode: boolean): Decision | undefined {
  const hit = (id: PatternGroupId, band: Band): Decision => ({ band, reason: groupReason(id), id });
  const askCloud = askLevelCloud(f);
  if (hasCode) {
    const hard = f.has('codeHardAsk') || f.has('concurrencyCode');
    if ((f.has('codeTrivialQuestion', 'edges') || f.has('trivialAsk', 'edges')) && !hard) return hit('codeTrivialQuestion', 'small');
    if (hard || f.has('codeGeneration')) {
      if (f.code.codeLines >= NONTRIVIAL_CODE_LINES || f.longInput) return hit('codeHardAsk', { cloud: CLOUD });
      if (f.has('concurrencyCode')) return hit('concurrencyCode', { cloud: CLOUD });
      return { band: 'medium', reason: 'fix or change in a short snippet → mid-size model' };
    }
    if (askCloud !== undefined) return askCloud;
    if (f.has('codeExplain') || f.has('longSummaryRewrite', 'edges')) return hit('codeExplain', 'medium');
    return undefined;
  }
  if (f.has('synthesis', 'edges')) return hit('synthesis', { cloud: CLOUD });
  if (askCloud !== undefined) return askCloud;
  const rewrite = f.has('longSummaryRewrite', 'edges');
  if ((f.has('trivialAsk', 'edges') || f.has('labelSet', 'edges')) && !rewrite) {
    return f.has('trivialAsk', 'edges')
      ? hit('trivialAsk', 'small')
      : { band: 'small', reason: 'classification of a provided text → labelled by the ask' };
  }
  if (rewrite) return hit('longSummaryRewrite', 'medium');
  return undefined;
}

/** Cloud signals that are about the ASK itself (how it must be answered), so they hold even on long inputs. */
function askLevelCloud(f: PromptFeatures): Decision | undefined {
  if (f.has('proof', 'edges')) return { band: { cloud: CLOUD_SURE }, reason: groupReason('proof'), id: 'proof' };
  if (f.has('lexicalConstraint', 'edges') || f.exactWordCount)
    return { band: { cloud: CLOUD_STRONG }, reason: groupReason('lexicalConstraint'), id: 'lexicalConstraint' };
  if (f.has('lowResourceLanguage', 'edges'))
    return { band: { cloud: CLOUD_STRONG }, reason: groupReason('lowResourceLanguage'), id: 'lowResourceLanguage' };
  return undefined;
}

/** Rules 7-10 and 12: cloud signals on the ask, surest first. */
function cloudSignal(f: PromptFeatures, programming: boolean): Decision | undefined {
  const hit = (id: PatternGroupId, floor: number): Decision => ({ band: { cloud: floor }, reason: groupReason(id), id });
  if (f.has('proof')) return hit('proof', CLOUD_SURE);
  if (f.has('lexicalConstraint') || f.exactWordCount) return hit('lexicalConstraint', CLOUD_STRONG);
  if (f.has('competitionMath')) return hit('competitionMath', CLOUD_STRONG);
  if (f.has('advancedMath')) return hit('advancedMath', CLOUD);
  if (f.has('logicPuzzle') || f.count('arrangementClue', 3) >= 2) return hit('logicPuzzle', CLOUD_STRONG);
  if (f.has('relativeDirection') && f.count('compassDirection', 3) >= 2) {
    return { band: { cloud: CLOUD }, reason: 'spatial/direction puzzle → needs careful reasoning' };
  }
  // Writing a program that solves a puzzle (N-Queens, sudoku solver) is a textbook backtracking exercise.
  if (f.has('searchPuzzle') && !f.has('codeGeneration')) return hit('searchPuzzle', CLOUD_STRONG);
  if (f.has('combinatorics')) return hit('combinatorics', CLOUD_STRONG);
  if (f.has('optimizationProblem')) return hit('optimizationProblem', CLOUD);
  if (f.has('probability') && f.has('probabilityTrap')) return hit('probabilityTrap', CLOUD);
  if (f.has('wordProblem') && f.count('wordProblemTrap', 3) >= 2) {
    return { band: { cloud: CLOUD }, reason: 'word problem with classic traps (bulk pricing, rates, multi-year) → needs care' };
  }
  if (f.count('statsTerms', 3) >= STATS_TERMS)
    return { band: { cloud: CLOUD }, reason: 'reasoning about statistical estimators → needs strong reasoning' };
  if (f.has('reasoningDemand') && (f.numberCount >= 2 || f.has('algebra') || f.has('physicsTerms'))) {
    return { band: { cloud: CLOUD }, reason: 'quantitative problem with a demand for justified reasoning → likely a trap' };
  }
  if (f.has('lowResourceLanguage')) return hit('lowResourceLanguage', CLOUD_STRONG);
  if (f.has('competitiveProgramming')) return hit('competitiveProgramming', CLOUD_STRONG);
  if (programming && f.has('concurrencyCode')) return hit('concurrencyCode', CLOUD_STRONG);
  if (programming && f.has('nicheCodeTarget')) return hit('nicheCodeTarget', CLOUD_STRONG);
  if (programming && f.has('multiComponentApp')) return hit('multiComponentApp', CLOUD);
  if (f.has('algorithmDesign')) return hit('algorithmDesign', CLOUD);
  if (f.has('systemDesign')) return hit('systemDesign', CLOUD_STRONG);
  if (f.has('literatureReview')) return hit('literatureReview', CLOUD);
  // Rule 2: reconciling several provided sources, even when they are not long.
  if (f.askEffLength > SHORT_ASK && f.has('synthesis')) return hit('synthesis', CLOUD);
  if (f.has('deepDomain')) return hit('deepDomain', CLOUD);
  if (f.has('comparison') && f.count('jurisdiction', 3) >= 2 && f.count('legalTerms', 1) + f.count('taxTerms', 1) >= 1) {
    return { band: { cloud: CLOUD }, reason: 'comparative law or regulation across jurisdictions → needs expert analysis' };
  }
  if (f.count('formatConstraint', 6) >= MANY_FORMAT_CONSTRAINTS) {
    return {
      band: { cloud: CLOUD },
      reason: `${f.count('formatConstraint', 6)} stacked format constraints → small/medium models drop some`,
    };
  }
  return undefined;
}

/**
 * Rule 9: legal, tax, finance or medical reasoning on a specific case. why: a domain term plus case details
 * (my landlord, a 67-year-old, "am I eligible", "from what date") is case reasoning, as are three domain
 * terms with figures or a long description; a bare term ("what is a 401k?") is a fact.
 */
function expertSignal(f: PromptFeatures): Decision | undefined {
  const tax = f.count('taxTerms', 3);
  const medical = f.count('medicalTerms', 3);
  const finance = f.count('financeTerms', 3);
  const legalWords = f.count('legalTerms', 3);
  const specific = f.has('caseMarkers');
  if (legalWords + tax + medical + finance === 0 && !specific) return undefined;
  const legal = legalWords + (f.namedLaw ? 1 : 0);
  const terms = legal + tax + medical + finance;
  if (terms === 0) return undefined;
  // A writing task that mentions a landlord or a doctor is still a writing task.
  const writing = f.has('routineWriting');
  if ((specific && !writing) || (terms >= 3 && (f.numberCount >= 2 || f.askEffLength > SHORT_ASK))) {
    const top = Math.max(legal, tax, medical, finance);
    const domain = top === medical ? 'medical' : top === legal ? 'legal' : top === tax ? 'tax' : 'finance';
    return { band: { cloud: CLOUD }, reason: `${domain} question on a specific case → needs expert-level judgement` };
  }
  return undefined;
}

function clamp01(x: number): number {
  return x < 0 ? 0 : x > 1 ? 1 : x;
}
