// Privacy guard: secrets and personal data (keys, tokens, passwords, cards, national IDs, phones, emails, a user word list) never go to the cloud.
//
// Pure: the request and the rules in, a verdict out. Reasons name the KIND of data found, never the data itself.
import type { CodeUnits } from './code-units.js';
import { buildKeywordAutomaton, familiesAt, KW_OUT, type Keyword } from './text-index/keyword-automaton.js';
import { countMatches } from './text-index/pattern-index.js';
import { TextScratch } from './text-index/scratch.js';

/** Kinds of sensitive data the guard recognises (each can be switched off in the rules). */
export type PrivacyKind = 'private-key' | 'api-key' | 'password' | 'card-number' | 'national-id' | 'phone' | 'email' | 'custom-word';

/** The guard's settings (Settings screen: privacy.enabled, privacy.words, privacy.kinds). */
export interface PrivacyRules {
  /** On by default. */
  enabled: boolean;
  /** The user's own words or phrases that must never leave the machine (matched case-insensitively, whole words). */
  words: readonly string[];
  /** Kinds switched off (e.g. emails for someone who pastes mail threads all day). */
  disabledKinds?: readonly PrivacyKind[];
}

/** Guard on, every kind, no words. */
export const defaultPrivacyRules: PrivacyRules = { enabled: true, words: [] };

/** What was found: a kind and how many times (never the matched text). */
export interface PrivacyFinding {
  kind: PrivacyKind;
  count: number;
}

/** Every privacy reason starts with this (the pipeline counts privacy-kept requests by it). */
export const PRIVACY_REASON_PREFIX = 'privacy guard:';

export type PrivacyVerdict = { mayLeave: true } | { mayLeave: false; findings: PrivacyFinding[]; reason: string };

/** Words for each kind, for reasons. */
const KIND_WORDS: Record<PrivacyKind, string> = {
  'private-key': 'a private key',
  'api-key': 'an API key or access token',
  password: 'a password',
  'card-number': 'a payment card number',
  'national-id': 'a national ID number',
  phone: 'a phone number',
  email: 'an email address',
  'custom-word': 'a word from your private list',
};

// ── Detectors ─────────────────────────────────────────────────────────────────────────────────

const PRIVATE_KEY_RE = /-----BEGIN (?:RSA |EC |DSA |OPENSSH |PGP |ENCRYPTED |ED25519 )?PRIVATE KEY(?: BLOCK)?-----/;

/** Vendor token formats: prefix + body length from each vendor's documentation (joined into one regex below). */
const API_KEY_SOURCES: readonly RegExp[] = [
  /\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[0-9A-Z]{16}\b/, // AWS access key id
  /\bgh[pousr]_[A-Za-z0-9]{36,}\b/, // GitHub tokens
  /\bgithub_pat_[A-Za-z0-9_]{40,}\b/,
  /\bsk-ant-[A-Za-z0-9_-]{20,}/, // Anthropic
  /\bsk-(?:proj-|svcacct-)?[A-Za-z0-9_-]{32,}/, // OpenAI
  /\bxox[abposr]-[A-Za-z0-9-]{10,}/, // Slack
  /\bAIza[0-9A-Za-z_-]{35}\b/, // Google API key
  /\b(?:sk|rk)_live_[0-9a-zA-Z]{16,}\b/, // Stripe live secret/restricted key
  /\bSG\.[\w-]{16,}\.[\w-]{30,}/, // SendGrid
  /\bnpm_[A-Za-z0-9]{36}\b/, // npm
  /\bhf_[A-Za-z]{30,}\b/, // Hugging Face
  /\bglpat-[A-Za-z0-9_-]{20,}/, // GitLab
  /\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/, // JWT
];
/** An Authorization header with a credential (any case). */
const AUTH_HEADER_RE = /\bauthorization\s*:\s*(?:bearer|token|basic)\s+[A-Za-z0-9._~+/=-]{20,}/gi;
/** One pass over the text instead of one per vendor. */
const API_KEY_RE = new RegExp(API_KEY_SOURCES.map((r) => r.source).join('|'), 'g');

/** A URL with user:password@ (database URLs, git remotes). */
const URL_CREDENTIALS_RE = /\b[a-z][a-z0-9+.-]{1,20}:\/\/[^\s:/@]{1,64}:([^\s@/]{3,128})@[^\s/]/i;

/** `password = value`, `"api_key": "value"`, `SECRET_TOKEN=value` in configs and code (group 2: the quote, if any). */
const SECRET_ASSIGN_RE =
  /\b([\w.-]*(?:password|passwd|passphrase|pwd|secret|api[_-]?key|apikey|access[_-]?key|access[_-]?token|auth[_-]?token|client[_-]?secret|private[_-]?key|credentials?))["']?\s*(?::|=|=>|:=)\s*(["'`]?)([^\s"',;`]{4,})/gi;
/** "my password is X", "the pin is X" in prose (group 1: a possessive, group 2: the value). */
const SECRET_PROSE_RE =
  /\b(my |our |his |her |their |the new )?(?:password|passcode|passphrase|pin(?: code)?)\s+(?:is|was)\s*:?\s*["'`]?([^\s"'`,;]{4,})/gi;
/** Words that follow "password is" when it describes a state, not a value. */
const PROSE_STATE_WORDS = new Set(
  'incorrect invalid wrong expired correct required missing empty weak strong secure stored hashed encrypted saved changed reset blank long short visible hidden mandatory optional valid accepted rejected different same case-sensitive protected compromised leaked needed too not still always never being'.split(
    ' ',
  ),
);

/** Values that are clearly not secrets: placeholders, variables, redactions. */
const PLACEHOLDER_RE =
  /^(?:x{3,}|\*{3,}|\.{3,}|-+|_+|#+|<[^>]*>|\[[^\]]*\]|\$\{?[\w.]+\}?|\{\{[^}]*\}\}|%\w+%|(?:your|my|the)[_-]?\w*|example\w*|placeholder|redacted|changeme|secret|password|null|none|nil|true|false|undefined|todo|tbd|env|string|str|required|optional|hidden)$/i;
const CODE_REFERENCE_RE =
  /^(?:process\.env|os\.environ|os\.getenv|env\(|getenv|config\.|settings\.|self\.|this\.|args\.|params\.|request\.|req\.|input\(|vault:|secrets?\.)/i;

function isPlaceholder(value: string): boolean {
  const v = value.replace(/^["'`]|["'`;,)]+$/g, '');
  return v.length < 4 || PLACEHOLDER_RE.test(v) || CODE_REFERENCE_RE.test(v);
}

/**
 * Candidate tokens for the entropy check: runs of key-alphabet characters [A-Za-z0-9+/=_-], cut into pieces of at most
 * TOKEN_MAX, each at least TOKEN_MIN long: exactly what /[A-Za-z0-9+/=_-]{24,200}/g finds, without that regex's retry
 * at every character of a shorter run (the most expensive scan of the guard).
 */
const TOKEN_MIN = 24;
const TOKEN_MAX = 200;

/** Letters, digits and _ - + / = (base64 and URL-safe base64 alphabets), as a table: one load per character. */
const KEY_CODE = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  KEY_CODE[c] =
    (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 45 || c === 43 || c === 47 || c === 61
      ? 1
      : 0;
}

function isKeyCode(c: number): boolean {
  return c < 128 && KEY_CODE[c] === 1;
}
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A key-ish word shortly before a token makes a shorter/lower-entropy token count. */
const KEY_CONTEXT_RE = /(?:key|token|secret|passw|credential|auth|bearer|signature|api)[^\n]{0,30}$/i;
/**
 * Entropy thresholds in bits per character.
 * why: random base62/base64 keys of 32+ characters measure 4.5-5.5; English words and identifiers (camelCase,
 * snake_case) 3-4; hex digests (git SHAs, sha256) at most 4 and only two character classes, so they never pass.
 */
const ENTROPY_WITH_CONTEXT = 3.5;
const ENTROPY_BARE = 4.3;
/** why: a bare 32-character random string is a key in practice; with a key-ish word before it, 24 is enough. */
const BARE_TOKEN_MIN = 32;

function entropy(s: string): number {
  const counts = new Map<number, number>();
  for (let i = 0; i < s.length; i++) counts.set(s.charCodeAt(i), (counts.get(s.charCodeAt(i)) ?? 0) + 1);
  let h = 0;
  for (const c of counts.values()) {
    const p = c / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}

function charClasses(s: string): number {
  return (/[a-z]/.test(s) ? 1 : 0) + (/[A-Z]/.test(s) ? 1 : 0) + (/[0-9]/.test(s) ? 1 : 0);
}

/** Public key material: certificates, public keys, SSH public keys (long base64, but nothing secret). */
const PUBLIC_KEY_BLOCK_RE =
  /-----BEGIN (?:CERTIFICATE|PUBLIC KEY|RSA PUBLIC KEY|PGP PUBLIC KEY BLOCK)-----[\s\S]*?(?:-----END [A-Z ]+-----|$)|\b(?:ssh-(?:rsa|ed25519|dss)|ecdsa-sha2-nistp\d+) [A-Za-z0-9+/=]+/g;

function highEntropyTokens(raw: string): number {
  const text = raw.includes('-----BEGIN') || raw.includes('ssh-') || raw.includes('ecdsa-') ? raw.replace(PUBLIC_KEY_BLOCK_RE, ' ') : raw;
  let n = 0;
  for (let i = 0; i < text.length;) {
    if (!isKeyCode(text.charCodeAt(i))) {
      i++;
      continue;
    }
    let end = i + 1;
    while (end < text.length && isKeyCode(text.charCodeAt(end))) end++;
    for (let index = i; end - index >= TOKEN_MIN;) {
      const tok = text.slice(index, Math.min(end, index + TOKEN_MAX));
      const at = index;
      index += tok.length;
      if (tokenIsKey(text, tok, at)) n++;
    }
    i = end;
  }
  return n;
}

/** The entropy test of one candidate token found at `index` of `text`. */
function tokenIsKey(text: string, tok: string, index: number): boolean {
  if (UUID_RE.test(tok) || charClasses(tok) < 3) return false;
  // Inside a data: URI or a long base64 blob (an image, a certificate body) it is data, not a key.
  const before = text.slice(Math.max(0, index - 40), index);
  if (/base64,\s*$/i.test(before) || tok.length === TOKEN_MAX) return false;
  // Paths and identifiers: mostly letters with separators (a/b/c, snake_case_names) read as words.
  if (/^[A-Za-z]+(?:[/_-][A-Za-z]+)+$/.test(tok)) return false;
  const context = KEY_CONTEXT_RE.test(before);
  const h = entropy(tok);
  return (context && h >= ENTROPY_WITH_CONTEXT) || (tok.length >= BARE_TOKEN_MIN && h >= ENTROPY_BARE);
}

/** Card-number candidates: 13-19 digits, optionally in groups separated by one space or dash. */
const CARD_RE = /\b\d(?:[ -]?\d){12,18}\b/g;
/**
 * Published test card numbers (Stripe, Braintree, Adyen docs): not anyone's card.
 * why: documentation and test fixtures are full of them; sending those to the cloud leaks nothing.
 */
const TEST_CARDS = new Set([
  '4242424242424242',
  '4000056655665556',
  '4111111111111111',
  '4012888888881881',
  '4000000000000002',
  '5555555555554444',
  '5105105105105100',
  '2223003122003222',
  '378282246310005',
  '371449635398431',
  '6011111111111117',
  '6011000990139424',
  '3530111333300000',
  '30569309025904',
  '38520000023237',
  '6200000000000005',
]);

/** Luhn checksum (ISO/IEC 7812): every card number passes it, most other digit strings do not. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/** Issuer prefixes of the major networks (Visa, Mastercard, Amex, Discover, JCB, Diners, UnionPay, Maestro). */
const ISSUER_RE = /^(?:4|5[1-5]|2[2-7]|3[47]|6011|64[4-9]|65|35|36|38|30[0-5]|62|50|5[6-8]|6[37])/;

function cardNumbers(text: string): number {
  let n = 0;
  CARD_RE.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = CARD_RE.exec(text)) !== null) {
    const raw = m[0];
    // Mixed separators ("1234-5678 9012") or single digits between separators are not how cards are written.
    if (/[ -]/.test(raw) && !/^\d{4}([ -])\d{4,6}\1\d{4,5}(?:\1\d{1,4})?$/.test(raw)) continue;
    const digits = raw.replace(/[ -]/g, '');
    if (digits.length < 13 || digits.length > 19 || TEST_CARDS.has(digits) || !ISSUER_RE.test(digits)) continue;
    if (/^(\d)\1+$/.test(digits) || !luhnValid(digits)) continue;
    n++;
  }
  return n;
}

/** US SSN in its written form; area 000, 666 and 9xx, group 00 and serial 0000 are never issued. */
const SSN_RE = /\b(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}\b/g;
/** An undashed SSN only with its name nearby. */
const SSN_CONTEXT_RE = /\b(?:ssn|social security(?: number| no\.?)?)\b\D{0,20}(?!000|666|9\d\d)\d{3} ?(?!00)\d{2} ?(?!0000)\d{4}\b/gi;
/** UK National Insurance number (prefix letters per HMRC rules). */
const NINO_RE = /\b(?!BG|GB|KN|NK|NT|TN|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b/g;
/** IBAN candidates; confirmed by the ISO 7064 mod-97 check below. */
const IBAN_RE = /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b/g;
/** Passport / national ID numbers named as such. */
const ID_CONTEXT_RE =
  /\b(?:passport|national id|id card|identity card|driver'?s licen[cs]e|tax id|personalausweis|dni|nif|aadhaar|steuer-?id)(?: (?:number|no\.?|#))?\s*(?:is|:|=|#)?\s*[A-Z0-9][A-Z0-9 -]{5,18}\d/gi;

function ibanValid(raw: string): boolean {
  const s = raw.replace(/ /g, '');
  if (s.length < 15 || s.length > 34) return false;
  const moved = s.slice(4) + s.slice(0, 4);
  let rem = 0;
  for (const ch of moved) {
    const code = ch.charCodeAt(0);
    const part = code >= 65 ? String(code - 55) : ch;
    for (const d of part) rem = (rem * 10 + (d.charCodeAt(0) - 48)) % 97;
  }
  return rem === 1;
}

/** `d4`: the text has 4 digits in a row (every written SSN does); `keywords`: the keyword families in it (textFacts). */
function nationalIds(text: string, d4: boolean, keywords: number): number {
  let n = d4 ? countMatches(SSN_RE, text) : 0;
  if ((keywords & KW_SSN) !== 0) n += countMatches(SSN_CONTEXT_RE, text);
  if ((keywords & KW_ID) !== 0) n += countMatches(ID_CONTEXT_RE, text);
  if (!UPPER_DIGITS_RE.test(text)) return n;
  n += countMatches(NINO_RE, text);
  IBAN_RE.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = IBAN_RE.exec(text)) !== null) if (ibanValid(m[0])) n++;
  return n;
}

/** International (+CC ...) and North American ((555) 123-4567, 555-123-4567, 555.123.4567) phone numbers. */
const PHONE_INTL_RE = /(?<![\w+])\+\d{1,3}[ .-]?\(?\d{1,4}\)?(?:[ .-]?\d{2,4}){2,4}\b/g;
const PHONE_NANP_RE = /(?<![\w-])(?:\(\d{3}\) ?|\d{3}[.-])\d{3}[.-]\d{4}\b/g;
/** NANP 555-01xx numbers are reserved for fiction and examples. */
const FICTIONAL_PHONE_RE = /555[^\d]?01\d\d$/;

/** `plusDigit`: a '+' before a digit (international numbers); `d4`: 4 digits in a row (North American ones). */
function phones(text: string, plusDigit: boolean, d4: boolean): number {
  let n = 0;
  for (const re of [PHONE_INTL_RE, PHONE_NANP_RE]) {
    if (!(re === PHONE_INTL_RE ? plusDigit : d4)) continue;
    re.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = re.exec(text)) !== null) {
      const digits = m[0].replace(/\D/g, '');
      if (digits.length < 9 || digits.length > 15 || FICTIONAL_PHONE_RE.test(digits)) continue;
      // A date (2024-03-15) or a version (1.2.3) is not a phone number.
      if (/^\d{4}-\d{2}-\d{2}/.test(m[0])) continue;
      n++;
    }
  }
  return n;
}

const EMAIL_RE = /\b[A-Za-z0-9._%+-]{1,64}@((?:[A-Za-z0-9-]{1,63}\.)+[A-Za-z]{2,24})\b/g;
/** Documentation domains (RFC 2606/6761) and common placeholders: not a real person's address. */
const EXAMPLE_DOMAIN_RE =
  /(?:^|\.)(?:example\.(?:com|org|net)|example|test|invalid|localhost|domain\.com|yourdomain\.com|mydomain\.com|company\.com|email\.com|acme\.com)$/i;

function emails(text: string): number {
  let n = 0;
  EMAIL_RE.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = EMAIL_RE.exec(text)) !== null) {
    if (EXAMPLE_DOMAIN_RE.test(m[1]!)) continue;
    // user@2x.png-style asset names: a "domain" ending in an image or code extension.
    if (/\.(?:png|jpe?g|gif|svg|webp|js|ts|css)$/i.test(m[1]!)) continue;
    n++;
  }
  return n;
}

/** An unquoted value that reads as code (a variable, a dotted path, a call), not as a literal secret. */
const CODE_VALUE_RE = /^(?:[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+(?:\(.*)?|[A-Za-z_$][\w$]*\(.*|[a-z]+_[a-z_]+|[a-z]+[A-Z]\w*)$/;

/** `keywords`: the keyword families in the text (textFacts). */
function passwords(text: string, keywords: number): number {
  let n = 0;
  let m: RegExpExecArray | null;
  // SECRET_ASSIGN_RE's leading [\w.-]* makes it retry at every character; its key words are a cheap necessary condition.
  if ((keywords & KW_ASSIGN) !== 0) {
    SECRET_ASSIGN_RE.lastIndex = 0;
    while ((m = SECRET_ASSIGN_RE.exec(text)) !== null) {
      const quoted = m[2] !== '';
      // Closing brackets belong to the surrounding code: connect(password=pw) reads "pw".
      const value = quoted ? m[3]! : m[3]!.replace(/[)\]}]+$/, '');
      if (isPlaceholder(value) || (!quoted && CODE_VALUE_RE.test(value))) continue;
      n++;
    }
  }
  // Same for SECRET_PROSE_RE: its optional possessive makes it retry at every character.
  if ((keywords & KW_PROSE) !== 0) {
    SECRET_PROSE_RE.lastIndex = 0;
    while ((m = SECRET_PROSE_RE.exec(text)) !== null) {
      const value = m[2]!;
      if (isPlaceholder(value) || PROSE_STATE_WORDS.has(value.toLowerCase())) continue;
      // A plain lowercase word after "password is" is a description unless someone's password is being told.
      if (m[1] === undefined && /^[a-z]+$/.test(value)) continue;
      n++;
    }
  }
  // Every match contains "://": without it the regex (a scan of the whole text) cannot match.
  const url = text.includes('://') ? URL_CREDENTIALS_RE.exec(text) : null;
  if (url && !isPlaceholder(url[1]!)) n++;
  return n;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Compile the user's word list into one case-insensitive whole-word regex (null when empty). */
function compileWords(words: readonly string[]): RegExp | null {
  const clean = words.map((w) => w.trim()).filter((w) => w.length > 0);
  if (clean.length === 0) return null;
  return new RegExp(`(?<![\\p{L}\\p{N}_])(?:${clean.map(escapeRe).join('|')})(?![\\p{L}\\p{N}_])`, 'giu');
}

/** why: the shortest vendor format body is a JWT segment, "eyJ" + 10 characters. */
const MIN_VENDOR_RUN = 13;

/**
 * A literal every vendor format (but SendGrid's "SG.") has inside its first run of key characters, which is 13+ long.
 * No \b and no body: a superset, tried only on such runs.
 */
const VENDOR_PREFIX_RE =
  /AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA|gh[pousr]_|github_pat_|sk-|[sr]k_live_|xox[abposr]-|AIza|npm_|hf_|glpat-|eyJ/;

/** What one pass over a text's code units learns: the cheap necessary conditions of the detectors. */
interface TextFacts {
  /** Longest run of key characters [A-Za-z0-9_+/=-]. */
  keyRun: number;
  /** Some run of MIN_VENDOR_RUN+ key characters holds a vendor prefix, or the text has "SG.": API_KEY_RE may match. */
  vendor: boolean;
  /** Longest run of ASCII digits. */
  digitRun: number;
  /** A '+' right before a digit (every international phone number). */
  plusDigit: boolean;
  /** An '@' (every email address). */
  at: boolean;
  /** Keyword families present (KW_*). */
  keywords: number;
}

/** Per ASCII code: 1 = key character, 2 = digit (digits are also key characters), 4 = '@', '+' or '.' (looked at on their own). */
const CHAR_CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  CHAR_CLASS[c] = (KEY_CODE[c] === 1 ? 1 : 0) | (c >= 48 && c <= 57 ? 2 : 0) | (c === 64 || c === 43 || c === 46 ? 4 : 0);
}

// ── Keyword families ──────────────────────────────────────────────────────────────────────────
// The secret-word, prose-password, ID and SSN detectors each need one of their key words; testing those with a regex
// each is a pass over the text per detector (ID context and secret words alone cost ~8 µs on 4,000 characters). One
// keyword automaton (text-index/keyword-automaton.ts) over case-folded ASCII finds all of them in the same pass. Each
// family's words are what its regex requires, or less (a word's \b only where the regex has it), so skipping a
// detector never changes a result.

/** Keyword families (bits). */
const KW_ASSIGN = 1; // SECRET_ASSIGN_RE: the key word can sit anywhere inside a name (DB_PASSWORD)
const KW_PROSE = 2; // SECRET_PROSE_RE: \b(password|passcode|passphrase|pin)
const KW_ID = 4; // ID_CONTEXT_RE
const KW_SSN = 8; // SSN_CONTEXT_RE

const KEYWORDS: readonly Keyword[] = [
  ...[
    ...['password', 'passwd', 'passphrase', 'pwd', 'secret', 'apikey', 'credential'],
    ...['api', 'access', 'access', 'auth', 'client', 'private'].flatMap((a, i) =>
      ['', '_', '-'].map((sep) => `${a}${sep}${['key', 'key', 'token', 'token', 'secret', 'key'][i]}`),
    ),
  ].map((word) => ({ word, family: KW_ASSIGN, wordStart: false })),
  // SECRET_PROSE_RE has \s after the word: without it "pin" would open that costly regex for every "pink" and "pinned".
  ...['password', 'passcode', 'passphrase', 'pin'].map((word) => ({ word, family: KW_PROSE, wordStart: true, spaceAfter: true })),
  ...['passport', 'national id', 'id card', 'identity card', 'driver', 'tax id', 'personalausweis', 'dni', 'nif', 'aadhaar', 'steuer'].map(
    (word) => ({ word, family: KW_ID, wordStart: true }),
  ),
  ...['ssn', 'social security'].map((word) => ({ word, family: KW_SSN, wordStart: true })),
];

/** Symbols: a-z (either case) 0-25, '_' 26, '-' 27, ' ' 28, anything else 29 (digits, other ASCII, all non-ASCII). */
const KW_SYMBOLS = 30;
const KW_OTHER = 29;
const KW_SYMBOL = new Uint8Array(128).fill(KW_OTHER);
for (let c = 0; c < 26; c++) {
  KW_SYMBOL[97 + c] = c;
  KW_SYMBOL[65 + c] = c;
}
KW_SYMBOL[95] = 26;
KW_SYMBOL[45] = 27;
KW_SYMBOL[32] = 28;

const keywordAutomaton = buildKeywordAutomaton(KEYWORDS, { of: KW_SYMBOL, size: KW_SYMBOLS, other: KW_OTHER });

/**
 * One pass over the code units instead of a regex or loop per detector. why: each separate scan of a 4,000-character
 * prompt costs 2-9 µs here, and most prompts need none of the detectors they gate. The common case (a letter inside a
 * word) takes one table load and one branch.
 */
function textFacts(text: string, units: CodeUnits): TextFacts {
  const codes = units.of(text);
  const n = text.length;
  let run = 0;
  let keyRun = 0;
  let vendor = false;
  let digits = 0;
  let digitRun = 0;
  let plusDigit = false;
  let at = false;
  const ac = keywordAutomaton;
  const next = ac.next;
  let base = 0;
  let keywords = 0;
  for (let i = 0; i < n; i++) {
    const c = codes[i]!;
    let k = 0;
    let sym = KW_OTHER;
    if (c < 128) {
      k = CHAR_CLASS[c]!;
      sym = KW_SYMBOL[c]!;
    }
    const t = next[base + sym]!;
    base = t & (KW_OUT - 1);
    if (t >= KW_OUT) keywords |= familiesAt(ac, base, codes, i, n);
    if ((k & 1) !== 0) {
      run++;
    } else {
      if (run > keyRun) keyRun = run;
      if (run >= MIN_VENDOR_RUN && !vendor) vendor = VENDOR_PREFIX_RE.test(text.slice(i - run, i));
      run = 0;
    }
    if (k > 1) {
      if ((k & 2) !== 0) {
        if (++digits > digitRun) digitRun = digits;
        continue;
      }
      if (c === 64) at = true;
      else if (c === 43) plusDigit ||= i + 1 < n && codes[i + 1]! >= 48 && codes[i + 1]! <= 57;
      else if (i >= 2 && codes[i - 1] === 71 && codes[i - 2] === 83) vendor = true; // "SG."
    }
    digits = 0;
  }
  if (run > keyRun) keyRun = run;
  if (run >= MIN_VENDOR_RUN && !vendor) vendor = VENDOR_PREFIX_RE.test(text.slice(n - run, n));
  return { keyRun, vendor, digitRun, plusDigit, at, keywords };
}

/** Two capitals then two digits (optionally after a space): the start of every NINO and IBAN. */
const UPPER_DIGITS_RE = /[A-Z]{2} ?\d\d/;

/**
 * What the guard keeps between calls, owned by its caller (the composition root keeps one for the process; a call given
 * none reads everything afresh): the text walks' scratch, the findings of conversation history, and the compiled word list.
 */
export interface PrivacyContext {
  text: TextScratch;
  privacy: PrivacyMemory;
}

/** A new context, remembering nothing yet (what a call given none reads with). */
export const createPrivacyContext = (): PrivacyContext => ({ text: new TextScratch(), privacy: new PrivacyMemory() });

/** Find the kinds of sensitive data in one text. */
export function scanText(
  text: string,
  rules: PrivacyRules = defaultPrivacyRules,
  ctx: PrivacyContext = createPrivacyContext(),
): PrivacyFinding[] {
  const off = new Set(rules.disabledKinds ?? []);
  const found: PrivacyFinding[] = [];
  const on = (kind: PrivacyKind): boolean => !off.has(kind);
  const add = (kind: PrivacyKind, count: number): void => {
    if (count > 0) found.push({ kind, count });
  };
  if (on('private-key') && text.includes('PRIVATE KEY')) add('private-key', PRIVATE_KEY_RE.test(text) ? 1 : 0);
  const facts = textFacts(text, ctx.text.units);
  if (on('api-key')) {
    // Every vendor format needs a run of 13+ key characters with its prefix, every entropy candidate 24+: most prose has neither.
    // 'zation' first: a search for a word starting with 'z' rarely stops (one starting with 'u' stops at every u).
    const authWord = (text.includes('zation') && text.includes('uthorization')) || text.includes('UTHORIZATION');
    const header = authWord ? countMatches(AUTH_HEADER_RE, text) : 0;
    const vendor = facts.keyRun >= MIN_VENDOR_RUN && facts.vendor ? countMatches(API_KEY_RE, text) : 0;
    add('api-key', vendor + header + (facts.keyRun >= TOKEN_MIN ? highEntropyTokens(text) : 0));
  }
  // Every detector of passwords needs a key word of its family, or "://" (credentials in a URL).
  if (on('password') && ((facts.keywords & (KW_ASSIGN | KW_PROSE)) !== 0 || text.includes('://'))) {
    add('password', passwords(text, facts.keywords));
  }
  // Every digit detector needs two digits in a row; cards, written SSNs and North American numbers need four.
  if (facts.digitRun >= 2) {
    const d4 = facts.digitRun >= 4;
    if (d4 && on('card-number')) add('card-number', cardNumbers(text));
    if (on('national-id')) add('national-id', nationalIds(text, d4, facts.keywords));
    if (on('phone')) add('phone', phones(text, facts.plusDigit, d4));
  }
  if (on('email') && facts.at) add('email', emails(text));
  const words = ctx.privacy.wordList(rules.words);
  if (words && on('custom-word')) add('custom-word', countMatches(words, text));
  return found;
}

/**
 * May this conversation leave the machine? Looks at every message (the whole conversation goes to the cloud),
 * and when not, says why in words that name the kinds of data, never the data.
 */
export function privacyGuard(
  messages: ReadonlyArray<{ content: string }>,
  rules: PrivacyRules = defaultPrivacyRules,
  ctx: PrivacyContext = createPrivacyContext(),
): PrivacyVerdict {
  if (!rules.enabled) return { mayLeave: true };
  const merged = new Map<PrivacyKind, number>();
  const last = messages.length - 1;
  const key = last > 0 ? rulesKey(rules) : '';
  for (let k = 0; k <= last; k++) {
    // The newest message is always read; the history the caller sends again with every turn comes from earlier reads.
    const text = messages[k]!.content;
    for (const f of k < last ? historyScan(text, rules, key, ctx) : scanText(text, rules, ctx))
      merged.set(f.kind, (merged.get(f.kind) ?? 0) + f.count);
  }
  if (merged.size === 0) return { mayLeave: true };
  const findings = [...merged].map(([kind, count]) => ({ kind, count }));
  const what = findings.map((f) => KIND_WORDS[f.kind]);
  const list = what.length === 1 ? what[0]! : `${what.slice(0, -1).join(', ')} and ${what.at(-1)!}`;
  return {
    mayLeave: false,
    findings,
    reason: `${PRIVACY_REASON_PREFIX} the conversation contains what looks like ${list} → kept on this machine`,
  };
}

/** why 512: below it a read costs a few µs at most, about what fingerprinting the text costs. */
const HISTORY_MIN = 512;
/** why 8,192: the histories of a few dozen long conversations, in well under a megabyte (fingerprints and findings only). */
const HISTORY_MAX_TEXTS = 8192;

/**
 * Findings of earlier messages by a fingerprint of their text, for the rules they were read with, and the compiled
 * word list. why: a chat client sends the whole conversation with every turn, and reading it all again made the
 * guard's cost grow with the conversation (~0.3 ms a request at 20 turns of 2-3 KB answers). Keys are a 64-bit
 * fingerprint and the length, never the text: the guard keeps no conversation text once a request is done.
 */
export class PrivacyMemory {
  /** Only texts of HISTORY_MIN+ characters, at most HISTORY_MAX_TEXTS, oldest out first. */
  readonly history = new Map<string, PrivacyFinding[]>();
  /** The rules the history was read with (rulesKey). */
  historyRules = '';
  private words: readonly string[] | undefined = undefined;
  private wordsRe: RegExp | null = null;

  /** The word list as one case-insensitive whole-word regex (null when empty), compiled once per list. */
  wordList(words: readonly string[]): RegExp | null {
    if (this.words !== words) {
      this.wordsRe = compileWords(words);
      this.words = words;
    }
    return this.wordsRe;
  }
}

/** How many earlier texts a context's history holds, and whether it holds the text itself anywhere (for tests). */
export function historyCacheSize(ctx: PrivacyContext): { texts: number; holdsText: boolean } {
  const history = ctx.privacy.history;
  return { texts: history.size, holdsText: [...history.keys()].some((k) => k.length > 40) };
}

/** scanText of an earlier message, through the history (texts shorter than HISTORY_MIN cost less to read than to look up). */
function historyScan(text: string, rules: PrivacyRules, key: string, ctx: PrivacyContext): PrivacyFinding[] {
  if (text.length < HISTORY_MIN) return scanText(text, rules, ctx);
  const memory = ctx.privacy;
  const history = memory.history;
  if (key !== memory.historyRules) {
    history.clear();
    memory.historyRules = key;
  }
  const print = fingerprint(text, ctx.text.units);
  let found = history.get(print);
  if (found === undefined) {
    found = scanText(text, rules, ctx);
    history.set(print, found);
    if (history.size > HISTORY_MAX_TEXTS) history.delete(history.keys().next().value!);
  }
  return found;
}

/**
 * Two independent 32-bit hashes of the code units (FNV-1a, and a multiply-rotate lane), each finished with murmur3's
 * mixer, and the length. why 64 bits: two different texts of a conversation history sharing a fingerprint by chance is
 * ~1 in 10^19 per pair; a shared fingerprint would give the second text the first one's findings.
 */
function fingerprint(text: string, units: CodeUnits): string {
  const codes = units.of(text);
  const n = text.length;
  let a = 0x811c9dc5;
  let b = 0x9747b28c;
  for (let i = 0; i < n; i++) {
    const c = codes[i]!;
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0xcc9e2d51);
    b = (b << 15) | (b >>> 17);
  }
  return `${n}:${(fmix32(a) >>> 0).toString(36)}:${(fmix32(b ^ n) >>> 0).toString(36)}`;
}

/** murmur3's 32-bit finaliser: every input bit moves every output bit. */
function fmix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** The rules as a string (changing the word list or the kinds empties the history). */
function rulesKey(rules: PrivacyRules): string {
  return JSON.stringify([rules.words, rules.disabledKinds ?? []]);
}
