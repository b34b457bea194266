// Which ledger a URL selects (postgres:// → PostgreSQL, sqlite: or none → SQLite), and the URL with its password hidden.

/** A parsed ledger URL. `shown` is safe to log: it never holds the password. */
export type LedgerTarget =
  | { kind: 'sqlite'; /** undefined = ledger.db in the data dir */ file?: string; shown: string }
  | { kind: 'postgres'; url: string; shown: string };

/** Thrown for a URL that selects no ledger; the message never contains the password. */
export class LedgerUrlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LedgerUrlError';
  }
}

const VALID = 'postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE (or postgresql://), or sqlite:/path/to/ledger.db';

/** `url` with any password replaced by `***` (for logs and errors); unparseable input is hidden entirely. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    // Not a URL: it might still hold a password in some other shape, so show only its scheme.
    const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(url)?.[0];
    return scheme ? `${scheme}…` : '(not a URL)';
  }
}

/**
 * Parse a ledger URL. `password` (HYBRID_AI_LEDGER_PASSWORD / _FILE, a Docker or systemd secret) goes into a
 * PostgreSQL URL that has none, so the URL itself can sit in plain configuration.
 */
export function parseLedgerUrl(raw: string | undefined, password?: string): LedgerTarget {
  if (raw === undefined || raw.trim() === '') return { kind: 'sqlite', shown: 'sqlite (data dir)' };
  const text = raw.trim();
  if (/^sqlite:/i.test(text)) {
    const file = text.replace(/^sqlite:(\/\/)?/i, '');
    return file === '' ? { kind: 'sqlite', shown: 'sqlite (data dir)' } : { kind: 'sqlite', file, shown: `sqlite:${file}` };
  }
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw new LedgerUrlError(`Invalid ledger URL "${redactUrl(text)}": not a URL. Valid: ${VALID}.`);
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') {
    throw new LedgerUrlError(`Invalid ledger URL "${redactUrl(text)}": unsupported scheme "${u.protocol}". Valid: ${VALID}.`);
  }
  if (u.hostname === '' && !u.searchParams.has('host')) {
    throw new LedgerUrlError(`Invalid ledger URL "${redactUrl(text)}": no host. Valid: ${VALID}.`);
  }
  if (u.pathname.replace(/^\//, '') === '') {
    throw new LedgerUrlError(`Invalid ledger URL "${redactUrl(text)}": no database name. Valid: ${VALID}.`);
  }
  if (password && !u.password) u.password = encodeURIComponent(password);
  return { kind: 'postgres', url: u.toString(), shown: redactUrl(u.toString()) };
}
