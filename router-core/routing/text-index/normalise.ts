// What the estimator reads: lower case with typographic quotes as ASCII ones, for a whole text or one window of it.

const ANY_CURLY_RE = /[\u2018\u2019\u201c\u201d]/;
const SINGLE_CURLY_RE = /[\u2018\u2019]/g;
const DOUBLE_CURLY_G_RE = /[\u201c\u201d]/g;
/** A typographic double quote (the one kind of quote that changes what the code-line hint reads). */
export const DOUBLE_CURLY_RE = /[\u201c\u201d]/;

/**
 * Lower case, typographic quotes as ASCII ones. why a test and two plain replaces: most texts have no typographic
 * quote, and where they do, a replace with a string skips the per-match callback.
 */
export function normalise(text: string): string {
  const lower = text.toLowerCase();
  return ANY_CURLY_RE.test(lower) ? lower.replace(SINGLE_CURLY_RE, "'").replace(DOUBLE_CURLY_G_RE, '"') : lower;
}

/**
 * Does the text hold a character whose lower case depends on the neighbours (Σ), changes the length (İ) or is ASCII
 * (the Kelvin sign)? With one of these, normalising a window could differ from a window of the normalised text, so the
 * whole text is normalised as before. Every other character lower-cases on its own, to one character (one code
 * unit pair for astral ones, which the window cuts keep whole by normalising one unit beyond each cut).
 */
export function hasCaseSpecial(text: string): boolean {
  // Three native searches: a character-class regex over a long two-byte string costs ten times more.
  return text.includes('\u0130') || text.includes('\u03a3') || text.includes('\u212a');
}

/** normalise(text).slice(from, to), for 0 ≤ from ≤ to ≤ text.length, without normalising the rest of the text. */
export function normalisedSlice(text: string, from: number, to: number): string {
  const a = Math.max(0, from - 1);
  const b = Math.min(text.length, to + 1);
  return normalise(text.slice(a, b)).slice(from - a, from - a + (to - from));
}

/** Drop trailing emoji, symbols and punctuation other than ? ! . ) (so "hi!! 👋" reads as "hi!!"). */
export function trimEndSymbols(text: string): string {
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
