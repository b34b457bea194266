// Code in a text: fenced blocks found with indexOf, and lines that look like code, each tested by one anchored regex.
import { DOUBLE_CURLY_RE } from './normalise.js';

/** Code found in a prompt. */
export interface CodeStats {
  /** Number of fenced (```) blocks. */
  fencedBlocks: number;
  /** Lines that look like code (inside fences, or code-shaped lines outside them). */
  codeLines: number;
  /** Characters inside fenced blocks. */
  fencedChars: number;
}

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
 * ASCII ones, as if normalised first.
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

/** Lines of `text` that look like code, up to `cap`; one anchored regex test per short line. `raw`: not normalised yet. */
export function countCodeLines(text: string, cap: number, raw: boolean): number {
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

const FENCE = '```';

/** A text with its fenced blocks cut out, and what they held. */
export interface Fenced {
  /** The text with each block (fence line, body, closing fence or end of text) as ' [code] '. */
  prose: string;
  blocks: number;
  chars: number;
  /** Non-empty lines inside the blocks. */
  lines: number;
}

/**
 * Fenced blocks found as /```[^\n]*\n?([\s\S]*?)(?:```|$)/g would find them (opening fence and the rest of its line,
 * body up to the next ``` or the end), but with indexOf: that regex's lazy body costs tens of µs on a 4,000-character prompt.
 */
export function cutFences(text: string): Fenced {
  let open = text.indexOf(FENCE);
  if (open === -1) return { prose: text, blocks: 0, chars: 0, lines: 0 };
  let blocks = 0;
  let chars = 0;
  let lines = 0;
  let out = '';
  let from = 0;
  for (; open !== -1; open = text.indexOf(FENCE, from)) {
    const eol = text.indexOf('\n', open + FENCE.length);
    const bodyStart = eol === -1 ? text.length : eol + 1;
    const close = text.indexOf(FENCE, bodyStart);
    const bodyEnd = close === -1 ? text.length : close;
    blocks++;
    chars += bodyEnd - bodyStart;
    lines += countNonEmptyLines(text, bodyStart, bodyEnd);
    out += `${text.slice(from, open)} [code] `;
    from = close === -1 ? text.length : close + FENCE.length;
  }
  return { prose: out + text.slice(from), blocks, chars, lines };
}
