// The core's output log (core.log, offered for bug reports): size-capped, and every line scrubbed of tokens first.
import { createWriteStream, mkdirSync, statSync, truncateSync, type WriteStream } from 'node:fs';
import path from 'node:path';

/** The log is cut back to empty at start once it passes 5 MB: enough for days of JSON lines, small on disk. */
const MAX_LOG_BYTES = 5 * 1024 * 1024;
/** What replaces a secret in a kept line. */
export const REDACTED = '[redacted]';

/**
 * Generic secret shapes, scrubbed even before the shell learns the token: our API tokens (`hai_` + 32 base64url
 * characters), a `#token=` link, a bearer header value, Anthropic keys.
 */
const SECRET_PATTERNS: readonly RegExp[] = [
  /hai_[A-Za-z0-9_-]{16,}/g,
  /(#token=)[^\s&'"]+/g,
  /(Bearer\s+)(?!\$)[^\s'"]+/gi,
  /sk-ant-[A-Za-z0-9_-]{8,}/g,
];

/** Pure: `line` with every known secret (and anything shaped like one) replaced by {@link REDACTED}. */
export function redactLine(line: string, secrets: Iterable<string>): string {
  let out = line;
  for (const s of secrets) {
    // A secret shorter than 8 characters would match ordinary words; the core refuses tokens under 16 anyway.
    if (s.length < 8) continue;
    out = out.split(s).join(REDACTED).split(encodeURIComponent(s)).join(REDACTED);
  }
  for (const re of SECRET_PATTERNS)
    out = out.replace(re, (_m, prefix?: string) => `${typeof prefix === 'string' ? prefix : ''}${REDACTED}`);
  return out;
}

/** The open log. */
export interface CoreLog {
  /** Append one line of the core's output, scrubbed. */
  write(line: string): void;
  /** A secret to scrub from now on (the token from the ready message, a regenerated one). */
  addSecret(secret: string): void;
  end(): void;
}

/** Open (append to) the log file; a log that cannot be opened or written never takes the app down. */
export function openCoreLog(file: string): CoreLog {
  const secrets = new Set<string>();
  let stream: WriteStream | undefined;
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    try {
      if (statSync(file).size > MAX_LOG_BYTES) truncateSync(file, 0);
    } catch {
      // no log yet
    }
    stream = createWriteStream(file, { flags: 'a', mode: 0o600 });
    stream.on('error', () => undefined);
  } catch {
    stream = undefined;
  }
  return {
    write(line) {
      stream?.write(`${redactLine(line, secrets)}\n`);
    },
    addSecret(secret) {
      secrets.add(secret);
    },
    end() {
      stream?.end();
    },
  };
}
