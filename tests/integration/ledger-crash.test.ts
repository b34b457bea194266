// kill -9 of a real server process under load, with the ledger's writes held back by a lock at the moment of the kill: every
// answered request has its full ledger row (an answer sent before its commit is caught), none is torn (SQLite and PostgreSQL).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresSkipReason, startPostgres, type TestPostgres } from '../fixtures/postgres.js';
import { startOllamaStandIn, type OllamaStandIn } from '../stand-ins/ollama-server.js';
import { TOKEN } from './helpers.js';

let ollama: OllamaStandIn;
let dataDir: string;
let pgServer: TestPostgres | undefined;

beforeAll(async () => {
  ollama = await startOllamaStandIn({ models: ['tinyllama:1.1b', 'phi:2.7b'], tokenDelayMs: 0, answerWords: 6 });
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'hai-crash-'));
  if (!postgresSkipReason) pgServer = await startPostgres();
}, 120_000);
afterAll(async () => {
  await ollama.close();
  await pgServer?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

type Row = Record<string, unknown>;

/** Where the server keeps its ledger, and how the test reads every row back after the kill. */
const stores = [
  {
    name: 'sqlite',
    skip: undefined,
    env: async (): Promise<Record<string, string>> => ({}),
    /** Take the database's write lock from outside (the server's commits wait on it, within its busy_timeout of 5 s). */
    lock: async (): Promise<() => Promise<void>> => {
      const db = new Database(path.join(dataDir, 'ledger.db'));
      db.pragma('busy_timeout = 10000');
      db.exec('BEGIN IMMEDIATE');
      return async () => {
        db.exec('ROLLBACK');
        db.close();
      };
    },
    rows: async (): Promise<Row[]> => {
      const db = new Database(path.join(dataDir, 'ledger.db'));
      try {
        expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
        return db.prepare('SELECT * FROM requests').all() as Row[];
      } finally {
        db.close();
      }
    },
  },
  {
    name: 'postgres',
    skip: postgresSkipReason,
    url: '',
    async env(): Promise<Record<string, string>> {
      this.url = await pgServer!.createDatabase();
      return { HYBRID_AI_LEDGER_URL: this.url };
    },
    /** Lock the requests table against writes from outside: the server's inserts wait until the lock goes. */
    async lock(): Promise<() => Promise<void>> {
      const client = new pg.Client({ connectionString: this.url });
      await client.connect();
      await client.query('BEGIN');
      await client.query('LOCK TABLE requests IN SHARE ROW EXCLUSIVE MODE');
      return async () => {
        await client.query('ROLLBACK').catch(() => undefined);
        await client.end();
      };
    },
    async rows(): Promise<Row[]> {
      const client = new pg.Client({ connectionString: this.url });
      await client.connect();
      try {
        // BIGINT arrives as a string from pg: the same numbers as SQLite's once converted.
        return (await client.query<Row>('SELECT * FROM requests')).rows.map((r) => ({
          ...r,
          ts: Number(r.ts),
          output_tokens: Number(r.output_tokens),
        }));
      } finally {
        await client.end();
      }
    },
  },
];

describe.each(stores)('ledger durability ($name)', (store) => {
  it.skipIf(store.skip !== undefined)(
    `survives kill -9 in the middle of a load${store.skip ? ` (skipped: ${store.skip})` : ''}`,
    async () => {
      const extraEnv = await store.env();
      const child = spawn(process.execPath, ['--import', 'tsx', 'router-core/server/main.ts', '--port', '0', '--data-dir', dataDir], {
        env: { ...process.env, HYBRID_AI_TOKEN: TOKEN, OLLAMA_HOST: ollama.host, LOG_LEVEL: 'warn', ANTHROPIC_API_KEY: '', ...extraEnv },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /Hybrid AI Stack (http:\/\/[^\s]+)/.exec(out);
          if (m) resolve(m[1]!);
        });
        child.once('exit', (code) => reject(new Error(`server exited early (${code}): ${stderr}`)));
      });
      const exited = new Promise<NodeJS.Signals | null>((r) => child.once('exit', (_c, sig) => r(sig)));

      const answered: string[] = [];
      let stop = false;
      // Bounded load: 8 concurrent clients on loopback until the kill, at most 10 s.
      const deadline = Date.now() + 10_000;
      const clients = Array.from({ length: 8 }, async (_, i) => {
        while (!stop && Date.now() < deadline) {
          try {
            const res = await fetch(`${url}/api/v1/chat`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
              body: JSON.stringify({ prompt: `hello number ${i}` }),
            });
            const body = (await res.json()) as { id?: string };
            if (res.status === 200 && body.id) answered.push(body.id);
          } catch {
            // The kill cuts connections: those requests were never reported as done.
          }
        }
      });
      await expect.poll(() => answered.length, { timeout: 8000, interval: 20 }).toBeGreaterThanOrEqual(150);
      // Hold the ledger's writes back while the load goes on, then kill: a server that reports an answer before its row
      // is committed has answered requests whose rows are still waiting on the lock, and the kill loses them. (Without
      // the lock that window is a few microseconds and a kill never lands in it.) 1.5 s is well within the server's
      // busy_timeout (5 s), so a correct server only waits.
      const release = await store.lock();
      await new Promise((r) => setTimeout(r, 1500));
      child.kill('SIGKILL');
      stop = true;
      expect(await exited).toBe('SIGKILL');
      await release();
      await Promise.all(clients);

      {
        const rows = await store.rows();
        const byId = new Map(rows.map((r) => [r.id as string, r]));
        const missing = answered.filter((id) => !byId.has(id));
        expect(missing).toEqual([]);
        for (const id of answered) {
          expect(byId.get(id)).toMatchObject({ status: 'ok', model: 'tinyllama', engine: 'ollama', protocol: 'native' });
          expect(byId.get(id)!.output_tokens).toBeGreaterThan(0);
        }
        for (const r of rows) {
          expect(['ok', 'error', 'aborted']).toContain(r.status);
          expect(typeof r.ts).toBe('number');
          expect(() => JSON.parse(r.reasons as string)).not.toThrow();
        }
      }
    },
    45_000,
  );
});
