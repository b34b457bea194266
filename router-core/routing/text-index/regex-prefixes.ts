// Literal prefixes of a regex: parses the subset of JS regex syntax in data/keywords.ts and lists what every match starts with.

/** A regex as a small AST (only what prefix derivation needs). */
export type ReNode =
  | { t: 'lit'; c: string }
  | { t: 'set'; cs: string[] | null }
  | { t: 'assert'; anchor: boolean; start?: true }
  | { t: 'alt'; alts: ReNode[][] }
  | { t: 'rep'; n: ReNode; min: number; max: number };

const DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

/** Parse the subset of JS regex syntax used in data/keywords.ts into its alternatives. */
export function parseRegex(src: string): ReNode[][] {
  return new RegexParser(src).parseAlt();
}

/** A recursive-descent parser over `src`; `i` is the read position. */
class RegexParser {
  private i = 0;
  constructor(private readonly src: string) {}

  parseAlt(): ReNode[][] {
    const alts: ReNode[][] = [this.parseSeq()];
    while (this.src[this.i] === '|') {
      this.i++;
      alts.push(this.parseSeq());
    }
    return alts;
  }

  private parseSeq(): ReNode[] {
    const { src } = this;
    const seq: ReNode[] = [];
    while (this.i < src.length && src[this.i] !== '|' && src[this.i] !== ')') {
      const atom = this.parseAtom();
      const q = /^(?:\?|\*|\+|\{(\d+)(,(\d*))?\})/.exec(src.slice(this.i, this.i + 12));
      seq.push(q ? this.quantified(atom, q) : atom);
    }
    return seq;
  }

  /** `atom` under the quantifier `q` (a lazy `?` after it is skipped: prefixes are the same). */
  private quantified(atom: ReNode, q: RegExpExecArray): ReNode {
    this.i += q[0].length;
    if (this.src[this.i] === '?') this.i++;
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
    return { t: 'rep', n: atom, min, max };
  }

  private parseAtom(): ReNode {
    const ch = this.src[this.i++]!;
    if (ch === '(') return this.parseGroup();
    if (ch === '[') return this.parseClass();
    if (ch === '.') return { t: 'set', cs: null };
    if (ch === '^') return { t: 'assert', anchor: true, start: true };
    if (ch === '$') return { t: 'assert', anchor: false };
    if (ch === '\\') return this.parseEscape();
    return { t: 'lit', c: ch };
  }

  /** After '(': a group, or a lookaround (an assertion that consumes nothing). */
  private parseGroup(): ReNode {
    const { src } = this;
    let look = false;
    if (src[this.i] === '?') {
      if (src[this.i + 1] === ':') this.i += 2;
      else if (src[this.i + 1] === '=' || src[this.i + 1] === '!') {
        this.i += 2;
        look = true;
      } else if (src[this.i + 1] === '<' && (src[this.i + 2] === '=' || src[this.i + 2] === '!')) {
        this.i += 3;
        look = true;
      } else if (src[this.i + 1] === '<') this.i = src.indexOf('>', this.i) + 1;
    }
    const alts = this.parseAlt();
    this.i++; // ')'
    return look ? { t: 'assert', anchor: false } : { t: 'alt', alts };
  }

  /** After '[': a small set of characters, or "any" (null) for a negated, large or escaped-class set. */
  private parseClass(): ReNode {
    const { src } = this;
    let j = this.i;
    let simple = src[j] !== '^';
    const cs: string[] = [];
    while (j < src.length && src[j] !== ']') {
      if (src[j] === '\\') {
        const e = src[j + 1]!;
        if (/[wWdDsSbBpPu]/.test(e)) simple = false;
        else cs.push(e === 'n' ? '\n' : e === 't' ? '\t' : e);
        j += 2;
      } else if (src[j + 1] === '-' && src[j + 2] !== ']' && src[j + 2] !== undefined) {
        // A small range such as 0-9 is expanded; a large one (a-z) gives up on this item.
        const lo = src.charCodeAt(j);
        const hi = src.charCodeAt(j + 2);
        if (hi - lo > 9) simple = false;
        for (let c = lo; c <= hi; c++) cs.push(String.fromCharCode(c));
        j += 3;
      } else {
        cs.push(src[j]!);
        j++;
      }
    }
    this.i = j + 1;
    return { t: 'set', cs: simple && cs.length <= 10 ? cs : null };
  }

  /** After '\\'. */
  private parseEscape(): ReNode {
    const e = this.src[this.i++]!;
    if (e === 'b') return { t: 'assert', anchor: true };
    if (e === 'B') return { t: 'assert', anchor: false };
    if (e === 'd') return { t: 'set', cs: DIGITS };
    if (/[wWDsS1-9]/.test(e)) return { t: 'set', cs: null };
    if (e === 'n') return { t: 'lit', c: '\n' };
    if (e === 't') return { t: 'lit', c: '\t' };
    if (e === 'u') {
      const c = String.fromCharCode(parseInt(this.src.slice(this.i, this.i + 4), 16));
      this.i += 4;
      return { t: 'lit', c };
    }
    return { t: 'lit', c: e };
  }
}

/** why: 6 characters are selective enough to make candidate positions rare, and keep the trie small. */
const PREFIX_LEN = 6;
/** why: past this many alternative prefixes a pattern is cheaper to scan than to index. */
const MAX_PREFIXES = 400;

/** Literal prefixes every match of `seq` (from item i on) starts with; '' means "unknown". */
export function prefixes(seq: readonly ReNode[], i: number, depth: number): string[] {
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
export const anchored = (seq: readonly ReNode[]): boolean => anchoredBy(seq, 0, false, (a) => a.anchor);
/** Does every path pass a ^ before its first character (so, without the m flag, a match can only start at 0)? */
export const startAnchored = (seq: readonly ReNode[]): boolean => anchoredBy(seq, 0, false, (a) => a.start === true);
