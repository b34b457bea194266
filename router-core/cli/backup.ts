// `hybrid-ai backup | restore | migrate`: online copies of the SQLite ledger, a safe restore, and migrating a ledger without serving it.
import { mkdirSync, readdirSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { openDataDir } from '../host/data-dir.js';
import { parseLedgerUrl, redactUrl } from '../ledger/ledger-url.js';
import { fileStamp, newestVersion } from '../ledger/migrate.js';
import { backupSqliteLedger, LedgerFileError, restoreSqliteLedger } from '../ledger/sqlite-backup.js';
import { loadConfig, type Config } from '../server/config.js';
import { openLedger } from '../server/wiring.js';

const backupUsage = `Usage: hybrid-ai backup [--data-dir D] [--out FILE | --dir DIR] [--keep N]

Copies the SQLite ledger with SQLite's online backup API while the server keeps running: a consistent snapshot,
checked (integrity, schema) before it gets its final name. Default: <data-dir>/backups/ledger-<UTC time>.db.
  --out FILE   write exactly this file
  --dir DIR    write ledger-<UTC time>.db into DIR
  --keep N     then delete all but the newest N ledger-*.db files in that folder (scheduled backups)
A PostgreSQL ledger (--ledger-url / HYBRID_AI_LEDGER_URL) is backed up with pg_dump: see server-images/README.md.
`;

const restoreUsage = `Usage: hybrid-ai restore FILE [--data-dir D]

Replaces the data dir's ledger with a backup. Stop the server first: a ledger in use is refused. The backup is
checked first (a corrupt, foreign or too-new file is refused and nothing changes); the current ledger is kept
beside it as ledger.db.before-restore-<UTC time>.
`;

const migrateUsage = `Usage: hybrid-ai migrate [--data-dir D] [--ledger-url URL]

Brings the ledger to this version's schema and exits (the Kubernetes migration Job runs it before a rollout).
A SQLite ledger is copied to <data-dir>/backups/ first; every pending step runs in one transaction.
`;

/** The 'backups' folder's scheduled files, by name = by time. */
const SCHEDULED = /^ledger-\d{8}T\d{9}Z\.db$/;

function parse(
  argv: string[],
  options: Record<string, { type: 'string' | 'boolean'; short?: string }>,
  name: string,
  usage: string,
): { values: Record<string, string | boolean | undefined>; positionals: string[] } | number {
  try {
    return parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: true });
  } catch (e) {
    process.stderr.write(`hybrid-ai ${name}: ${(e as Error).message}\n\n${usage}`);
    return 2;
  }
}

/**
 * The server's config as these commands need it: data dir and ledger. The listen address is left out (they listen
 * on nothing), so a job that shares the server's environment (HYBRID_AI_HOST=0.0.0.0) needs no API token.
 */
function config(values: Record<string, string | boolean | undefined>): Config {
  const c = loadConfig(
    [
      ...(typeof values['data-dir'] === 'string' ? ['--data-dir', values['data-dir']] : []),
      ...(typeof values['ledger-url'] === 'string' ? ['--ledger-url', values['ledger-url']] : []),
    ],
    { ...process.env, HYBRID_AI_HOST: '' },
  );
  if (c === 'help') throw new Error('unreachable');
  return c;
}

/** The SQLite ledger file the config selects, or a message saying to use pg_dump. */
function sqliteFile(c: Config, name: string): string | { error: string } {
  const target = parseLedgerUrl(c.ledgerUrl, c.ledgerPassword);
  if (target.kind === 'postgres')
    return {
      error: `hybrid-ai ${name}: the ledger is PostgreSQL (${redactUrl(target.url)}); use pg_dump -Fc / pg_restore (server-images/README.md, "Backups"). hybrid-ai ${name} handles the SQLite ledger.\n`,
    };
  return target.file ? path.resolve(target.file) : openDataDir(c.dataDir).ledgerFile;
}

/** `hybrid-ai backup`. */
export async function runBackup(argv: string[], out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const p = parse(
    argv,
    {
      'data-dir': { type: 'string' },
      'ledger-url': { type: 'string' },
      out: { type: 'string' },
      dir: { type: 'string' },
      keep: { type: 'string' },
    },
    'backup',
    backupUsage,
  );
  if (typeof p === 'number') return p;
  if (p.values.help) {
    out.write(backupUsage);
    return 0;
  }
  const { values } = p;
  if (values.out && (values.dir || values.keep)) {
    process.stderr.write('hybrid-ai backup: --out names one file; --dir and --keep are for a folder of backups. Use one or the other.\n');
    return 2;
  }
  const keep = values.keep === undefined ? undefined : Number(values.keep);
  // why 10,000: a backup an hour for over a year; beyond that it is a typo.
  if (keep !== undefined && (!Number.isInteger(keep) || keep < 1 || keep > 10_000)) {
    process.stderr.write(`hybrid-ai backup: invalid --keep "${String(values.keep)}" (a whole number from 1 to 10000)\n`);
    return 2;
  }
  const c = config(values);
  const source = sqliteFile(c, 'backup');
  if (typeof source !== 'string') {
    process.stderr.write(source.error);
    return 2;
  }
  const dir = path.resolve(typeof values.dir === 'string' ? values.dir : path.join(c.dataDir, 'backups'));
  const dest = typeof values.out === 'string' ? path.resolve(values.out) : path.join(dir, `ledger-${fileStamp(new Date())}.db`);
  try {
    mkdirSync(path.dirname(dest), { recursive: true, mode: 0o700 });
    const info = await backupSqliteLedger(source, dest);
    out.write(`backup: ${info.file} (${info.requests} requests, schema version ${info.schemaVersion}, ${info.bytes} bytes)\n`);
    if (keep !== undefined) {
      const old = readdirSync(dir)
        .filter((f) => SCHEDULED.test(f))
        .sort()
        .slice(0, -keep);
      for (const f of old) {
        unlinkSync(path.join(dir, f));
        out.write(`removed old backup ${path.join(dir, f)}\n`);
      }
    }
    return 0;
  } catch (e) {
    process.stderr.write(`hybrid-ai backup: ${(e as Error).message}\n`);
    return 1;
  }
}

/** `hybrid-ai restore FILE`. */
export function runRestore(argv: string[], out: NodeJS.WritableStream = process.stdout): number {
  const p = parse(argv, { 'data-dir': { type: 'string' }, 'ledger-url': { type: 'string' } }, 'restore', restoreUsage);
  if (typeof p === 'number') return p;
  if (p.values.help) {
    out.write(restoreUsage);
    return 0;
  }
  if (p.positionals.length !== 1) {
    process.stderr.write(`hybrid-ai restore: give exactly one backup file.\n\n${restoreUsage}`);
    return 2;
  }
  const c = config(p.values);
  const target = sqliteFile(c, 'restore');
  if (typeof target !== 'string') {
    process.stderr.write(target.error);
    return 2;
  }
  try {
    const r = restoreSqliteLedger(path.resolve(p.positionals[0]!), target);
    out.write(`restored ${r.requests} requests (schema version ${r.schemaVersion}) into ${target}\n`);
    if (r.previous) out.write(`the ledger it replaced is kept at ${r.previous}\n`);
    if (r.schemaVersion < newestVersion) out.write(`it will be migrated to schema version ${newestVersion} when the server starts\n`);
    return 0;
  } catch (e) {
    process.stderr.write(
      `hybrid-ai restore: ${e instanceof LedgerFileError ? e.message : `failed: ${(e as Error).message}`} Nothing was changed.\n`,
    );
    return 1;
  }
}

/** `hybrid-ai migrate`. */
export async function runMigrate(argv: string[], out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const p = parse(argv, { 'data-dir': { type: 'string' }, 'ledger-url': { type: 'string' } }, 'migrate', migrateUsage);
  if (typeof p === 'number') return p;
  if (p.values.help) {
    out.write(migrateUsage);
    return 0;
  }
  const c = config(p.values);
  try {
    // Opening the ledger migrates it (backup first on SQLite; one transaction; advisory lock on PostgreSQL).
    const ledger = await openLedger(c, openDataDir(c.dataDir).ledgerFile);
    await ledger.close();
    out.write(`ledger at schema version ${newestVersion}\n`);
    return 0;
  } catch (e) {
    process.stderr.write(`hybrid-ai migrate: ${(e as Error).message}\n`);
    return 1;
  }
}
