// SQLite ledger backup and restore for real: online backup while another process writes, restore refusing bad files, migrations all-or-nothing with a backup first.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestRecord } from '../../router-core/ledger/ledger.js';
import { migrate, newestVersion } from '../../router-core/ledger/migrate.js';
import { migrationSql, migrations, type Migration } from '../../router-core/ledger/migrations.js';
import { makeTinyGguf } from '../fixtures/make-tiny-gguf.js';
import { backupSqliteLedger, inspectLedgerFile, LedgerFileError, restoreSqliteLedger } from '../../router-core/ledger/sqlite-backup.js';
import { openSqliteLedger } from '../../router-core/ledger/sqlite.js';

const BIN = path.resolve('bin/hybrid-ai.mjs');
const TSX = path.resolve('node_modules/tsx/dist/cli.mjs');
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'hai-backup-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
const fresh = (): string => {
  const d = path.join(dir, `case-${++n}`);
  return d;
};

const row = (id: string): RequestRecord => ({
  id,
  ts: 1_000,
  protocol: 'native',
  route: 'small',
  model: 'tinyllama',
  engine: 'llamacpp',
  complexity: 0.1,
  reasons: ['r'],
  inputTokens: 1,
  outputTokens: 1,
  costMicros: 0,
  allCloudMicros: 18,
  latencyMs: 5,
  ttftMs: 1,
  status: 'ok',
  errorType: null,
  fallbackFrom: [],
  prompt: null,
  response: null,
});

/** A ledger file with `count` request rows, closed. */
async function ledgerWith(file: string, count: number): Promise<void> {
  mkdirSync(path.dirname(file), { recursive: true });
  const l = openSqliteLedger(file);
  for (let i = 0; i < count; i++) await l.record(row(`r${i}`));
  await l.close();
}

const count = (file: string): number => {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare('SELECT COUNT(*) AS n FROM requests').get() as { n: number }).n;
  } finally {
    db.close();
  }
};
/** The files in `d`, less the -wal/-shm that any SQLite reader of a WAL database may leave. */
const files = (d: string): string[] =>
  readdirSync(d)
    .filter((f) => !/-(wal|shm)$/.test(f))
    .sort();
const sha = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

function cli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [BIN, ...args], {
    env: { ...process.env, HYBRID_AI_LEDGER_URL: '', HYBRID_AI_TOKEN: '' },
    encoding: 'utf8',
    timeout: 60_000,
  });
}

describe('backup while another process writes', () => {
  const BATCH = 10;
  let writer: ChildProcess | undefined;
  afterAll(() => writer?.kill('SIGKILL'));

  it('every backup is a consistent snapshot: whole transactions only, at least every row committed before it began', async () => {
    const d = fresh();
    const file = path.join(d, 'ledger.db');
    await ledgerWith(file, 0);
    writer = spawn(process.execPath, [TSX, 'tests/fixtures/ledger-writer.ts', file, String(BATCH)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let batches = 0;
    let stderr = '';
    writer.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    writer.stdout!.on('data', (c: Buffer) => {
      const last = /batch (\d+)\n$/.exec(c.toString());
      if (last) batches = Number(last[1]) + 1;
    });
    // 300 batches of 10 rows of ~1 KB: a few MB, so one backup spans many pages while rows keep arriving.
    const deadline = Date.now() + 120_000;
    while (batches < 300) {
      if (writer.exitCode !== null || Date.now() > deadline) throw new Error(`writer stopped at batch ${batches}: ${stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const reader = new Database(file, { readonly: true });
    const committed = (): number => (reader.prepare('SELECT COUNT(*) AS n FROM requests').get() as { n: number }).n;
    try {
      const snapshots: number[] = [];
      for (let i = 0; i < 5; i++) {
        const before = committed();
        const dest = path.join(d, `b${i}.db`);
        const info = await backupSqliteLedger(file, dest);
        const after = committed();
        // Whole, checked, one self-contained file (no -wal to forget).
        expect(inspectLedgerFile(dest).requests).toBe(info.requests);
        expect(existsSync(`${dest}-wal`)).toBe(false);
        expect(info.requests).toBeGreaterThanOrEqual(before);
        expect(info.requests).toBeLessThanOrEqual(after);
        const db = new Database(dest, { readonly: true });
        try {
          expect(db.pragma('journal_mode', { simple: true })).toBe('delete');
          // Each batch was one transaction: a snapshot holds all of its rows or none.
          const torn = db
            .prepare(`SELECT substr(id, 1, instr(id, '-') - 1) AS b, COUNT(*) AS c FROM requests GROUP BY b HAVING c != ${BATCH}`)
            .all();
          expect(torn).toEqual([]);
        } finally {
          db.close();
        }
        snapshots.push(info.requests);
      }
      // The writer really was writing throughout: the backups saw different, growing states.
      expect(new Set(snapshots).size).toBeGreaterThan(1);
      expect(committed()).toBeGreaterThan(snapshots[0]!);
    } finally {
      reader.close();
    }
    writer.kill('SIGTERM');
    await new Promise((r) => writer!.once('exit', r));
    // No temporary file is left beside the backups.
    expect(readdirSync(d).filter((f) => f.includes('partial'))).toEqual([]);
  }, 180_000);
});

describe('backup while a real server answers chat requests', () => {
  it('every request answered before a backup began is in it', async () => {
    const d = fresh();
    mkdirSync(d, { recursive: true });
    const gguf = (await makeTinyGguf(path.join(d, 'tiny.gguf'))).path;
    const token = 'backup-test-token-0123456789';
    const server = spawn(process.execPath, ['--import', 'tsx', 'router-core/server/main.ts', '--port', '0', '--data-dir', d], {
      env: {
        ...process.env,
        HYBRID_AI_TOKEN: token,
        HYBRID_AI_LOCAL_MODEL: gguf,
        HYBRID_AI_THREADS: '1',
        LOG_LEVEL: 'warn',
        ANTHROPIC_API_KEY: '',
        OLLAMA_HOST: '127.0.0.1:9',
        HYBRID_AI_MANAGE_OLLAMA: 'off',
        HYBRID_AI_KEYCHAIN: 'off',
        HYBRID_AI_LEDGER_URL: '',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    server.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    server.stderr!.on('data', (c: Buffer) => (out += c.toString()));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const t = setInterval(() => {
          const m = /Open the app: (http:\/\/127\.0\.0\.1:\d+)\//.exec(out);
          if (m) {
            clearInterval(t);
            resolve(m[1]!);
          }
        }, 20);
        server.once('exit', (code) => {
          clearInterval(t);
          reject(new Error(`server exited ${code}: ${out}`));
        });
      });
      const answered: string[] = [];
      let stop = false;
      let failures = 0;
      // Four clients in a loop, as an app would call the server; each answer's ledger row id is its x-request-id.
      const client = async (c: number): Promise<void> => {
        for (let i = 0; !stop; i++) {
          const r = await fetch(`${url}/api/v1/chat`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
            body: JSON.stringify({ prompt: `client ${c} question ${i}`, max_tokens: 2 }),
          });
          await r.text();
          if (r.status === 200) answered.push(r.headers.get('x-request-id')!);
          else failures++;
        }
      };
      const clients = [0, 1, 2, 3].map(client);
      while (answered.length < 8) await new Promise((r) => setTimeout(r, 50));
      const sizes: number[] = [];
      for (let i = 0; i < 3; i++) {
        const before = [...answered];
        const dest = path.join(d, `under-load-${i}.db`);
        const info = await backupSqliteLedger(path.join(d, 'ledger.db'), dest);
        const db = new Database(dest, { readonly: true });
        try {
          const ids = new Set((db.prepare('SELECT id FROM requests').all() as Array<{ id: string }>).map((r) => r.id));
          expect(before.filter((id) => !ids.has(id))).toEqual([]);
          expect(ids.size).toBe(info.requests);
        } finally {
          db.close();
        }
        sizes.push(info.requests);
        const target = answered.length + 4;
        while (answered.length < target) await new Promise((r) => setTimeout(r, 50));
      }
      stop = true;
      await Promise.all(clients);
      expect(failures).toBe(0);
      // The server kept answering between the backups: each saw a later state.
      expect(sizes[2]).toBeGreaterThan(sizes[0]!);
    } finally {
      server.kill('SIGTERM');
      await new Promise((r) => (server.exitCode === null ? server.once('exit', r) : r(null)));
    }
  }, 240_000);
});

describe('restore', () => {
  it('replaces a stopped ledger with the backup and keeps the one it replaced', async () => {
    const d = fresh();
    const live = path.join(d, 'ledger.db');
    await ledgerWith(live, 3);
    const backup = path.join(d, 'b.db');
    await backupSqliteLedger(live, backup);
    const l = openSqliteLedger(live);
    await l.record(row('after-backup'));
    await l.close();
    expect(count(live)).toBe(4);

    const r = restoreSqliteLedger(backup, live, new Date('2026-01-02T03:04:05.006Z'));
    expect(r.requests).toBe(3);
    expect(count(live)).toBe(3);
    expect(r.previous).toBe(`${live}.before-restore-20260102T030405006Z`);
    expect(count(r.previous!)).toBe(4);
    // The restored ledger opens and takes new rows.
    const again = openSqliteLedger(live);
    await again.record(row('after-restore'));
    expect(await again.recent(10)).toHaveLength(4);
    await again.close();
  });

  it('a restore killed at any moment leaves the ledger whole: the old one or the new one, never a mix, never missing', async () => {
    const d = fresh();
    const live = path.join(d, 'ledger.db');
    await ledgerWith(live, 0);
    // Enough rows that a restore takes a while (copy, check, fsync), so the kills land inside it.
    const fill = (n: number, from: number): void => {
      const db = new Database(live);
      const ins = db.prepare(`INSERT INTO requests (id, ts, protocol, latency_ms, status, prompt) VALUES (?, 1, 'native', 1, 'ok', ?)`);
      db.transaction(() => {
        for (let i = from; i < from + n; i++) ins.run(`r${i}`, 'p'.repeat(500));
      })();
      db.close();
    };
    fill(40_000, 0);
    const backup = path.join(d, 'b.db');
    await backupSqliteLedger(live, backup);
    fill(5_000, 40_000);
    // The restore is killed while it writes, at a chosen byte: `ulimit -f` makes the kernel stop the process
    // (SIGXFSZ) when a file it writes grows past the limit; from 5% of the backup's size to past its end.
    const size = statSync(backup).size;
    for (const share of [0.05, 0.3, 0.6, 0.9, 0.99]) {
      const kb = Math.floor((size * share) / 1024);
      const child = spawnSync(
        'bash',
        [
          '-c',
          `ulimit -f ${kb}; exec "$0" "$@" </dev/null`,
          process.execPath,
          TSX,
          'tests/fixtures/restore-child.ts',
          backup,
          live,
          '--now',
        ],
        { encoding: 'utf8', timeout: 120_000 },
      );
      expect(child.stdout, `the restore must die at ${kb} KiB`).not.toContain('done');
      const n = inspectLedgerFile(live).requests;
      expect([40_000, 45_000], `after a restore killed at ${kb} KiB written`).toContain(n);
    }
    // A later restore cleans up what the killed ones left, and succeeds.
    const r = restoreSqliteLedger(backup, live);
    expect(r.requests).toBe(40_000);
    expect(readdirSync(d).filter((f) => f.includes('.restoring-'))).toEqual([]);
  }, 240_000);

  it('refuses a ledger in use by a running server, and changes nothing', async () => {
    const d = fresh();
    const live = path.join(d, 'ledger.db');
    await ledgerWith(live, 2);
    const backup = path.join(d, 'b.db');
    await backupSqliteLedger(live, backup);
    const open = openSqliteLedger(live);
    try {
      await open.record(row('in-flight'));
      expect(() => restoreSqliteLedger(backup, live)).toThrow(/in use .*Stop the server first/);
      // The server's ledger still works and still has its rows.
      await open.record(row('still-writing'));
      expect(await open.recent(10)).toHaveLength(4);
    } finally {
      await open.close();
    }
    expect(files(d)).toEqual(['b.db', 'ledger.db']);
  });

  const refusals: Array<[string, (backup: string, d: string) => void, RegExp]> = [
    ['a truncated backup', (b) => truncateSync(b, Math.floor(statSync(b).size / 2)), /corrupt/],
    [
      'a backup with scribbled pages',
      (b) => {
        const bytes = readFileSync(b);
        // Past page 1 (the schema): garbage over the b-tree pages that hold the rows and indexes.
        for (let i = 4096; i < bytes.length; i += 7) bytes[i] = (bytes[i]! * 31 + 17) & 0xff;
        writeFileSync(b, bytes);
      },
      /corrupt/,
    ],
    ['a file that is not SQLite', (b) => writeFileSync(b, 'id,prompt\n1,hello\n'), /not a SQLite database/],
    [
      'another application’s SQLite database',
      (b) => {
        rmSync(b);
        const db = new Database(b);
        db.exec('CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes (body) VALUES (1)');
        db.close();
      },
      /not a Hybrid AI ledger/,
    ],
    [
      'a ledger from a newer version',
      (b) => {
        const db = new Database(b);
        db.pragma(`user_version = ${newestVersion + 1}`);
        db.close();
      },
      /newer Hybrid AI/,
    ],
  ];
  for (const [what, spoil, message] of refusals) {
    it(`refuses ${what} with a clear message, and the ledger is untouched`, async () => {
      const d = fresh();
      const live = path.join(d, 'ledger.db');
      await ledgerWith(live, 5);
      const backup = path.join(d, 'b.db');
      await backupSqliteLedger(live, backup);
      spoil(backup, d);
      const before = sha(live);
      let err: unknown;
      try {
        restoreSqliteLedger(backup, live);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(LedgerFileError);
      expect((err as Error).message).toMatch(message);
      expect((err as Error).message).toContain(backup);
      expect(sha(live)).toBe(before);
      expect(files(d)).toEqual(['b.db', 'ledger.db']);
    });
  }
});

describe('hybrid-ai backup | restore (the CLI)', () => {
  it('writes timestamped backups into a folder, keeps the newest N, restores one, and says why it refuses', async () => {
    const d = fresh();
    await ledgerWith(path.join(d, 'ledger.db'), 7);
    const backups = path.join(d, 'backups');
    for (let i = 0; i < 3; i++) {
      const r = cli(['backup', '--data-dir', d, '--keep', '2']);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/^backup: .*ledger-\d{8}T\d{9}Z\.db \(7 requests, schema version \d+, \d+ bytes\)/);
    }
    const kept = readdirSync(backups).sort();
    expect(kept).toHaveLength(2);

    const restored = cli(['restore', path.join(backups, kept[0]!), '--data-dir', d]);
    expect(restored.status).toBe(0);
    expect(restored.stdout).toMatch(/restored 7 requests/);
    expect(restored.stdout).toMatch(/kept at .*ledger\.db\.before-restore-/);

    writeFileSync(path.join(d, 'junk.db'), 'not a database');
    const refused = cli(['restore', path.join(d, 'junk.db'), '--data-dir', d]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/junk\.db is not a SQLite database .* Nothing was changed\./);

    const pg = cli(['backup', '--ledger-url', 'postgres://u@127.0.0.1:1/db']);
    expect(pg.status).toBe(2);
    expect(pg.stderr).toMatch(/PostgreSQL .*pg_dump/);
    expect(pg.stderr).not.toMatch(/at .*\.ts:\d+/);
  }, 240_000);
});

describe('migrations', () => {
  /** A ledger at this build's newest schema with `rows` request rows; returns its file. */
  async function current(rows: number): Promise<string> {
    const file = path.join(fresh(), 'ledger.db');
    await ledgerWith(file, rows);
    return file;
  }
  const good: Migration = { version: newestVersion + 1, name: 'add_table', sql: 'CREATE TABLE extra (x INTEGER);' };
  const bad: Migration = {
    version: newestVersion + 2,
    name: 'deliberately_broken',
    sql: 'ALTER TABLE requests ADD COLUMN tag TEXT; INSERT INTO no_such_table VALUES (1);',
  };

  it('a failing migration rolls every step back: the old schema, its rows and the old build keep working', async () => {
    const file = await current(4);
    const db = new Database(file);
    let err: Error | undefined;
    try {
      migrate(db, { migrations: [...migrations, good, bad], now: () => new Date('2026-03-04T05:06:07.008Z') });
    } catch (e) {
      err = e as Error;
    } finally {
      db.close();
    }
    expect(err?.message).toMatch(
      new RegExp(
        `migration ${bad.version} \\(deliberately_broken\\) failed: no such table: no_such_table.*still at schema version ${newestVersion}`,
      ),
    );
    const after = new Database(file, { readonly: true });
    try {
      expect(after.pragma('user_version', { simple: true })).toBe(newestVersion);
      const tables = (after.prepare(`SELECT name FROM sqlite_master WHERE name = 'extra'`).all() as unknown[]).length;
      expect(tables).toBe(0);
      const cols = (after.prepare('PRAGMA table_info(requests)').all() as Array<{ name: string }>).map((c) => c.name);
      expect(cols).not.toContain('tag');
    } finally {
      after.close();
    }
    // The build that made it opens it as before.
    const l = openSqliteLedger(file);
    expect(await l.recent(10)).toHaveLength(4);
    await l.record(row('after-failed-migration'));
    await l.close();
    // And the copy taken before the attempt is named in the error and holds the same rows.
    const copy = path.join(path.dirname(file), 'backups', `ledger-pre-v${bad.version}-from-v${newestVersion}-20260304T050607008Z.db`);
    expect(err!.message).toContain(copy);
    expect(inspectLedgerFile(copy)).toMatchObject({ schemaVersion: newestVersion, requests: 4 });
  });

  it('an upgrade copies the old file to backups/ first; a new ledger needs no copy', async () => {
    const file = await current(2);
    const db = new Database(file);
    try {
      expect(migrate(db, { migrations: [...migrations, good] })).toBe(good.version);
      expect(db.pragma('user_version', { simple: true })).toBe(good.version);
    } finally {
      db.close();
    }
    const copies = readdirSync(path.join(path.dirname(file), 'backups'));
    expect(copies).toHaveLength(1);
    expect(copies[0]).toMatch(new RegExp(`^ledger-pre-v${good.version}-from-v${newestVersion}-\\d{8}T\\d{9}Z\\.db$`));
    expect(inspectLedgerFile(path.join(path.dirname(file), 'backups', copies[0]!))).toMatchObject({
      schemaVersion: newestVersion,
      requests: 2,
    });

    const empty = path.join(fresh(), 'ledger.db');
    await ledgerWith(empty, 0);
    expect(existsSync(path.join(path.dirname(empty), 'backups'))).toBe(false);
  });

  it('hybrid-ai migrate brings an old ledger to this version, after a copy, and says so; a newer one is refused', () => {
    const d = fresh();
    mkdirSync(d, { recursive: true });
    const file = path.join(d, 'ledger.db');
    const db = new Database(file);
    for (const m of migrations.filter((x) => x.version <= 8)) db.exec(migrationSql(m, 'sqlite'));
    db.pragma('user_version = 8');
    db.close();
    const r = cli(['migrate', '--data-dir', d]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`ledger at schema version ${newestVersion}\n`);
    expect(inspectLedgerFile(file).schemaVersion).toBe(newestVersion);
    expect(readdirSync(path.join(d, 'backups'))).toEqual([expect.stringMatching(/^ledger-pre-v\d+-from-v8-/)]);

    const newer = new Database(file);
    newer.pragma(`user_version = ${newestVersion + 1}`);
    newer.close();
    const refused = cli(['migrate', '--data-dir', d]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(new RegExp(`schema version ${newestVersion + 1}, newer than this app supports \\(${newestVersion}\\)`));
  }, 120_000);

  it('opening an older ledger (schema 8) backs it up before migrating it', async () => {
    const d = fresh();
    mkdirSync(d, { recursive: true });
    const file = path.join(d, 'ledger.db');
    const db = new Database(file);
    for (const m of migrations.filter((x) => x.version <= 8)) db.exec(migrationSql(m, 'sqlite'));
    db.pragma('user_version = 8');
    db.exec(`INSERT INTO conversations (id, title, created_at, updated_at) VALUES ('c1', 'one', 1, 1)`);
    db.close();
    await openSqliteLedger(file).close();
    const made = readdirSync(path.join(d, 'backups'));
    expect(made).toEqual([expect.stringMatching(new RegExp(`^ledger-pre-v${newestVersion}-from-v8-`))]);
    const b = new Database(path.join(d, 'backups', made[0]!), { readonly: true });
    try {
      expect(b.pragma('user_version', { simple: true })).toBe(8);
      expect(b.prepare('SELECT title FROM conversations').all()).toEqual([{ title: 'one' }]);
    } finally {
      b.close();
    }
  });
});
