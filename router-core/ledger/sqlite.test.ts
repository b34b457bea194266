// SQLite ledger: migrations, stats from SQL, cached spend and settings stay exact.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { RequestRecord } from './ledger.js';
import { migrations } from './migrations.js';
import { openSqliteLedger } from './sqlite.js';

const row = (over: Partial<RequestRecord>): RequestRecord => ({
  id: Math.random().toString(36).slice(2),
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
  ...over,
});

describe('sqlite ledger', () => {
  it('migrates a new file to the newest version in WAL mode, and reopens it', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ledger-'));
    try {
      const file = path.join(dir, 'l.db');
      openSqliteLedger(file).close();
      const db = new Database(file);
      expect(db.pragma('user_version', { simple: true })).toBe(migrations.at(-1)!.version);
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      db.close();
      const again = openSqliteLedger(file);
      again.record(row({}));
      expect(again.recent(5)).toHaveLength(1);
      again.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a database from a newer version', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ledger-'));
    try {
      const file = path.join(dir, 'l.db');
      const db = new Database(file);
      db.pragma('user_version = 999');
      db.close();
      expect(() => openSqliteLedger(file)).toThrow(/schema version 999, newer than this app supports/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('spend-so-far is cached but stays exact as rows arrive, per day and month', () => {
    const l = openSqliteLedger(':memory:');
    l.record(row({ ts: 50, costMicros: 7 })); // last month
    l.record(row({ ts: 150, costMicros: 10 })); // this month, before today
    expect(l.spendSince(200, 100)).toEqual({ todayMicros: 0, monthMicros: 10 });
    l.record(row({ ts: 250, costMicros: 5 }));
    l.record(row({ ts: 260, costMicros: 0 }));
    expect(l.spendSince(200, 100)).toEqual({ todayMicros: 5, monthMicros: 15 });
    // a new day: recomputed from SQL
    expect(l.spendSince(255, 100)).toEqual({ todayMicros: 0, monthMicros: 15 });
    l.close();
  });

  it('settings round-trip through the cache and the table', () => {
    const l = openSqliteLedger(':memory:');
    expect(l.getSetting('x')).toBeUndefined();
    l.setSetting('x', { a: 1 });
    expect(l.getSetting('x')).toEqual({ a: 1 });
    l.setSetting('x', false);
    expect(l.getSetting('x')).toBe(false);
    l.close();
  });

  it('stats: savings never negative per row, local share over answered requests only', () => {
    const l = openSqliteLedger(':memory:');
    l.record(row({ ts: 10, costMicros: 0, allCloudMicros: 100 }));
    l.record(row({ ts: 11, engine: 'anthropic', model: 'claude-opus', route: 'cloud', costMicros: 300, allCloudMicros: 180 }));
    l.record(row({ ts: 12, status: 'error', errorType: 'upstream_error', costMicros: 0, allCloudMicros: 0 }));
    const s = l.stats(0, 100);
    expect(s.totals).toMatchObject({
      requests: 3,
      errors: 1,
      costMicros: 300,
      allCloudMicros: 280,
      savingsMicros: 100,
      local: 1,
      cloud: 1,
      localShare: 0.5,
    });
    expect(s.byRoute.find((r) => r.route === 'cloud')).toMatchObject({ requests: 1, costMicros: 300 });
    l.close();
  });
});
