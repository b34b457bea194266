// The PostgreSQL ledger's documented backup (pg_dump -Fc / pg_restore, server-images/README.md) and all-or-nothing migrations, against a real server.
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestRecord } from '../../router-core/ledger/ledger.js';
import { migratePostgres, newestVersion } from '../../router-core/ledger/migrate.js';
import { migrations, type Migration } from '../../router-core/ledger/migrations.js';
import { openPostgresLedger } from '../../router-core/ledger/postgres.js';
import { pgBinDir, postgresSkipReason, startPostgres, type TestPostgres } from '../fixtures/postgres.js';

const run = promisify(execFile);
let server: TestPostgres;
let dir: string;

beforeAll(async () => {
  if (postgresSkipReason) return;
  server = await startPostgres();
  dir = mkdtempSync(path.join(os.tmpdir(), 'hai-pgdump-'));
}, 120_000);
afterAll(async () => {
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const row = (id: string, cost: number): RequestRecord => ({
  id,
  ts: Date.now(),
  protocol: 'native',
  route: 'cloud',
  model: 'claude-sonnet',
  engine: 'anthropic',
  complexity: 0.9,
  reasons: ['hard'],
  inputTokens: 10,
  outputTokens: 20,
  costMicros: cost,
  allCloudMicros: cost,
  latencyMs: 5,
  ttftMs: 1,
  status: 'ok',
  errorType: null,
  fallbackFrom: [],
  prompt: null,
  response: null,
});

/** The commands server-images/README.md documents, as written there (the URL as one argument). */
const pgDump = (url: string, file: string) => run(path.join(pgBinDir!, 'pg_dump'), ['--format=custom', `--file=${file}`, url]);
const pgRestore = (url: string, file: string) =>
  run(path.join(pgBinDir!, 'pg_restore'), ['--clean', '--if-exists', '--no-owner', `--dbname=${url}`, file]);

describe.skipIf(!!postgresSkipReason)('PostgreSQL ledger', () => {
  it('pg_dump -Fc then pg_restore --clean brings back every row, setting and conversation, replacing later changes', async () => {
    const source = await server.createDatabase();
    const l = await openPostgresLedger({ url: source });
    for (let i = 0; i < 25; i++) await l.record(row(`r${i}`, 1_000 + i));
    await l.setSetting('thresholds', { medium: 0.3, cloud: 0.7 });
    const conv = await l.createConversation('kept', 1_000);
    await l.close();

    const dump = path.join(dir, 'ledger.dump');
    await pgDump(source, dump);
    expect(statSync(dump).size).toBeGreaterThan(0);

    // Into an empty database (a new server) …
    const target = await server.createDatabase();
    await pgRestore(target, dump);
    const restored = await openPostgresLedger({ url: target });
    try {
      expect((await restored.recent(100)).map((r) => r.id).sort()).toEqual(Array.from({ length: 25 }, (_, i) => `r${i}`).sort());
      expect(await restored.getSetting('thresholds')).toEqual({ medium: 0.3, cloud: 0.7 });
      expect((await restored.listConversations({ limit: 10 })).map((c) => c.id)).toContain(conv.id);
      // … where the migrations were carried along and the ledger takes new rows.
      await restored.record(row('after-restore', 5));
    } finally {
      await restored.close();
    }

    // … and over the same database after later changes: --clean puts it back as it was at the dump.
    const later = await openPostgresLedger({ url: source });
    await later.record(row('after-dump', 7));
    await later.close();
    await pgRestore(source, dump);
    const back = await openPostgresLedger({ url: source });
    try {
      const ids = (await back.recent(100)).map((r) => r.id);
      expect(ids).toHaveLength(25);
      expect(ids).not.toContain('after-dump');
    } finally {
      await back.close();
    }
  }, 120_000);

  it('hybrid-ai migrate (the Kubernetes migration Job) migrates a new database and exits', async () => {
    const url = await server.createDatabase();
    const r = spawnSync(process.execPath, [path.resolve('bin/hybrid-ai.mjs'), 'migrate'], {
      // As the Job runs it: the gateway's ConfigMap (listening on 0.0.0.0, no token) and the URL from a Secret file.
      env: { ...process.env, HYBRID_AI_HOST: '0.0.0.0', HYBRID_AI_TOKEN: '', HYBRID_AI_LEDGER_URL: url, HYBRID_AI_DATA_DIR: dir },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`ledger at schema version ${newestVersion}\n`);
    const pool = new pg.Pool({ connectionString: url, max: 1 });
    try {
      const v = await pool.query<{ v: number }>('SELECT MAX(version) AS v FROM schema_migrations');
      expect(Number(v.rows[0]!.v)).toBe(newestVersion);
    } finally {
      await pool.end();
    }
  }, 120_000);

  it('a failing migration rolls every pending step back; the ledger keeps working on the old schema', async () => {
    const url = await server.createDatabase();
    const l = await openPostgresLedger({ url });
    await l.record(row('before', 1));
    await l.close();
    const good: Migration = { version: newestVersion + 1, name: 'add_table', sql: 'CREATE TABLE extra (x INTEGER)' };
    const bad: Migration = {
      version: newestVersion + 2,
      name: 'deliberately_broken',
      sql: 'ALTER TABLE requests ADD COLUMN tag TEXT; INSERT INTO no_such_table VALUES (1)',
    };
    const pool = new pg.Pool({ connectionString: url, max: 2 });
    try {
      await expect(migratePostgres(pool, { migrations: [...migrations, good, bad] })).rejects.toThrow(
        new RegExp(`migration ${bad.version} \\(deliberately_broken\\) failed: .*no_such_table.*still at schema version ${newestVersion}`),
      );
      const v = await pool.query<{ v: number }>('SELECT MAX(version) AS v FROM schema_migrations');
      expect(Number(v.rows[0]!.v)).toBe(newestVersion);
      const extra = await pool.query(`SELECT to_regclass('extra') AS t`);
      expect(extra.rows[0].t).toBeNull();
      const cols = await pool.query(
        `SELECT column_name FROM information_schema.columns WHERE table_name = 'requests' AND column_name = 'tag'`,
      );
      expect(cols.rows).toEqual([]);
    } finally {
      await pool.end();
    }
    const again = await openPostgresLedger({ url });
    try {
      await again.record(row('after', 2));
      expect((await again.recent(10)).map((r) => r.id).sort()).toEqual(['after', 'before']);
    } finally {
      await again.close();
    }
  }, 120_000);
});
