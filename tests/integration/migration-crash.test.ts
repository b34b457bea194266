// kill -9 of a real `hybrid-ai migrate` on a version-12 SQLite ledger while it copies the ledger before migrating: the ledger stays usable, no truncated copy is left under a backup's name, and the next start migrates once.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrationSql, migrations } from '../../router-core/ledger/migrations.js';

const BIN = path.resolve('bin/hybrid-ai.mjs');
/** Rows of ~2 KB: a ledger of ~80 MB, whose copy takes long enough for the kill to land while it is written. */
const ROWS = 40_000;
const OLD_VERSION = 12;

let dir: string;

/** A ledger as the release with schema version 12 left it, with ROWS requests. */
function makeOldLedger(file: string): void {
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    db.transaction(() => {
      for (const m of migrations.filter((x) => x.version <= OLD_VERSION)) db.exec(migrationSql(m, 'sqlite'));
      db.pragma(`user_version = ${OLD_VERSION}`);
      db.prepare(
        `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
         INSERT INTO requests (id, ts, protocol, latency_ms, status, prompt)
         SELECT 'r' || i, 1700000000000 + i, 'native', 1, 'ok', hex(randomblob(1000)) FROM n`,
      ).run(ROWS);
    })();
  } finally {
    db.close();
  }
}

/** Schema version and request count of the SQLite file `file` (throws when it is not a whole database). */
function inspect(file: string): { version: number; requests: number; check: string } {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return {
      version: db.pragma('user_version', { simple: true }) as number,
      requests: (db.prepare('SELECT COUNT(*) AS n FROM requests').get() as { n: number }).n,
      check: db.pragma('quick_check', { simple: true }) as string,
    };
  } finally {
    db.close();
  }
}

const migrate = (dataDir: string) =>
  spawnSync(process.execPath, [BIN, 'migrate', '--data-dir', dataDir], {
    env: { ...process.env, HYBRID_AI_LEDGER_URL: '', HYBRID_AI_TOKEN: '' },
    encoding: 'utf8',
    timeout: 120_000,
  });

/** Start `hybrid-ai migrate` and SIGKILL it as soon as its pre-migration copy appears in `backups/`. */
async function killDuringCopy(dataDir: string): Promise<void> {
  const backups = path.join(dataDir, 'backups');
  const child = spawn(process.execPath, [BIN, 'migrate', '--data-dir', dataDir], {
    env: { ...process.env, HYBRID_AI_LEDGER_URL: '', HYBRID_AI_TOKEN: '' },
    stdio: 'ignore',
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let done = false;
  void exited.then(() => (done = true));
  // Poll (not a timing assertion): the kill only has to land while the copy is being written.
  while (!done && !(existsSync(backups) && readdirSync(backups).length > 0)) await new Promise((r) => setTimeout(r, 2));
  child.kill('SIGKILL');
  await exited;
}

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'hai-migration-crash-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a start killed while it copies the ledger before migrating it', () => {
  it('leaves the old ledger usable, no truncated copy named as a backup, and the next start migrates once', async () => {
    const dataDir = path.join(dir, 'data');
    mkdirSync(dataDir);
    const ledger = path.join(dataDir, 'ledger.db');
    makeOldLedger(ledger);

    await killDuringCopy(dataDir);

    // The ledger is as the old release left it (or fully migrated, had the kill come after the commit).
    const after = inspect(ledger);
    expect(after.check).toBe('ok');
    expect(after.requests).toBe(ROWS);
    // Every file named as a pre-migration copy is a whole copy: a user rolling back restores one of them.
    const named = () => readdirSync(path.join(dataDir, 'backups')).filter((f) => /^ledger-pre-v\d+-from-v\d+-\w+\.db$/.test(f));
    for (const f of named())
      expect(inspect(path.join(dataDir, 'backups', f)), f).toEqual({ version: OLD_VERSION, requests: ROWS, check: 'ok' });

    // The next start migrates, and what the killed one left is gone.
    const second = migrate(dataDir);
    expect(second.status, second.stderr).toBe(0);
    expect(inspect(ledger)).toMatchObject({ version: migrations.at(-1)!.version, requests: ROWS });
    const left = readdirSync(path.join(dataDir, 'backups'));
    expect(left.filter((f) => f.includes('.partial'))).toEqual([]);
    expect(named().length).toBeGreaterThanOrEqual(1);
    for (const f of named())
      expect(inspect(path.join(dataDir, 'backups', f)), f).toEqual({ version: OLD_VERSION, requests: ROWS, check: 'ok' });

    // Once migrated, a start changes nothing: no new copy, the same version.
    const copies = named();
    const third = migrate(dataDir);
    expect(third.status, third.stderr).toBe(0);
    expect(named()).toEqual(copies);
    expect(inspect(ledger).version).toBe(migrations.at(-1)!.version);
  }, 180_000);
});
