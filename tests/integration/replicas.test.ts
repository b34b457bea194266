// Two real gateway processes on one real PostgreSQL ledger: a daily cap holds across both under concurrent cloud requests, and both see every row.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PG_TEST_PASSWORD, postgresSkipReason, startPostgres, type TestPostgres } from '../fixtures/postgres.js';
import { startAnthropicStandIn, type AnthropicStandIn } from '../stand-ins/anthropic-server.js';
import { startOllamaStandIn, type OllamaStandIn } from '../stand-ins/ollama-server.js';
import { TOKEN } from './helpers.js';

/**
 * $0.004 a day. Each cloud call below is estimated at ~$0.00104 (64 output tokens at $15/M plus the prompt) and
 * really costs ~$0.00099 (the stand-in answers the full 64 tokens), so 3 fit under the cap together. Were the
 * reservations per process, each replica would let 3 through: ~$0.006, over the cap by more than one request.
 */
const CAP_USD = '0.004';
const CAP_MICROS = 4_000;
/** Concurrent requests per gateway. */
const PER_GATEWAY = 20;

interface Gateway {
  proc: ChildProcess;
  url: string;
  output: () => string;
}

let pgServer: TestPostgres;
let dbUrl: string;
let claude: AnthropicStandIn;
let ollama: OllamaStandIn;
let dir: string;
const gateways: Gateway[] = [];

/** Start `router-core/server/main.ts` as `npm run serve` does, on the shared ledger. */
function startGateway(name: string): Promise<Gateway> {
  const proc = spawn(
    process.execPath,
    ['--import', 'tsx', 'router-core/server/main.ts', '--port', '0', '--data-dir', path.join(dir, name)],
    {
      env: {
        ...process.env,
        HYBRID_AI_TOKEN: TOKEN,
        HYBRID_AI_LEDGER_URL: dbUrl,
        HYBRID_AI_DAILY_BUDGET_USD: CAP_USD,
        HYBRID_AI_TIER: '2',
        ANTHROPIC_API_KEY: 'sk-ant-standin-key',
        ANTHROPIC_BASE_URL: claude.url,
        OLLAMA_HOST: ollama.host,
        HYBRID_AI_MANAGE_OLLAMA: 'off',
        HYBRID_AI_KEYCHAIN: 'off',
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve, reject) => {
    const onData = (): void => {
      const m = /Hybrid AI Stack (http:\/\/[^\s]+)/.exec(out);
      if (!m) return;
      proc.stdout!.off('data', onData);
      const g = { proc, url: m[1]!, output: () => out };
      gateways.push(g);
      resolve(g);
    };
    proc.stdout!.on('data', onData);
    proc.once('exit', (code) => reject(new Error(`gateway ${name} exited early (${code}):\n${out}`)));
  });
}

async function api(g: Gateway, method: string, url: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const r = await fetch(`${g.url}${url}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: r.status, json: (await r.json()) as Record<string, unknown> };
}

describe.skipIf(postgresSkipReason !== undefined)(
  `two gateway replicas on one PostgreSQL${postgresSkipReason ? ` (skipped: ${postgresSkipReason})` : ''}`,
  () => {
    beforeAll(async () => {
      dir = mkdtempSync(path.join(os.tmpdir(), 'hai-replicas-'));
      pgServer = await startPostgres();
      dbUrl = await pgServer.createDatabase();
      // Slow enough deltas that many cloud calls are in flight at once, holding their reservations.
      claude = await startAnthropicStandIn({ deltaDelayMs: 10, answerWords: 200 });
      ollama = await startOllamaStandIn({ models: ['tinyllama:1.1b', 'phi:2.7b'], tokenDelayMs: 0 });
      await Promise.all([startGateway('a'), startGateway('b')]);
    }, 120_000);

    afterAll(async () => {
      await Promise.all(
        gateways.map(
          (g) =>
            new Promise<void>((resolve) => {
              if (g.proc.exitCode !== null) return resolve();
              g.proc.once('exit', () => resolve());
              g.proc.kill('SIGTERM');
            }),
        ),
      );
      await claude?.close();
      await ollama?.close();
      await pgServer?.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('a setting saved on one replica reaches the other', async () => {
      const [a, b] = gateways as [Gateway, Gateway];
      // Everything wants the cloud: only the budget can keep a request local.
      const put = await api(a, 'PUT', '/api/v1/settings', { thresholds: { medium: 0, cloud: 0 } });
      expect(put.status).toBe(200);
      await expect
        .poll(async () => ((await api(b, 'GET', '/api/v1/settings')).json.thresholds as { cloud: number }).cloud, { timeout: 10_000 })
        .toBe(0);
      const ready = await api(b, 'GET', '/ready');
      expect(ready.json).toMatchObject({ ledger: true, ledger_store: 'postgres' });
    });

    it('concurrent cloud requests at both replicas cannot overspend the daily cap by more than one request', async () => {
      const [a, b] = gateways as [Gateway, Gateway];
      const requests = Array.from({ length: 2 * PER_GATEWAY }, (_, i) =>
        api(i % 2 ? a : b, 'POST', '/api/v1/chat', { prompt: `Question ${i}: compare two sorting algorithms in depth.`, max_tokens: 64 }),
      );
      const answers = await Promise.all(requests);
      for (const r of answers) expect(r.status, JSON.stringify(r.json)).toBe(200);
      const cloud = answers.filter((r) => r.json.engine === 'anthropic');
      const local = answers.filter((r) => r.json.engine !== 'anthropic');
      expect(cloud.length).toBeGreaterThan(0);
      expect(local.length).toBeGreaterThan(0);
      // On a failure, what each cloud answer cost and when each charged row started: enough to tell a miscount from a
      // reservation that let one through.
      const charged = async (): Promise<string> => {
        const c = new pg.Client({ connectionString: dbUrl });
        await c.connect();
        try {
          const q = await c.query(
            'SELECT id, ts, cost_micros, input_tokens, output_tokens, latency_ms FROM requests WHERE cost_micros > 0 ORDER BY ts',
          );
          return JSON.stringify({ answers: cloud.map((r) => [r.json.id, r.json.cached, r.json.cost_micros]), rows: q.rows });
        } finally {
          await c.end();
        }
      };
      if (cloud.length > 4) expect.fail(`${cloud.length} cloud answers: ${await charged()}`);
      expect(cloud.length).toBeLessThanOrEqual(4);
      // Every request that stayed local did so because the cap was reached (in either replica), and says so.
      for (const r of local) {
        expect((r.json.routing as { reasons: string[] }).reasons.join(' | ')).toMatch(
          /daily cloud budget of \$0\.0040 (would be exceeded|reached)/,
        );
      }
      // The ledger itself: total spend within the cap plus one request's cost, no reservation left behind.
      const client = new pg.Client({ connectionString: dbUrl });
      await client.connect();
      try {
        const spend = await client.query<{ total: string; biggest: string; n: string }>(
          'SELECT COALESCE(SUM(cost_micros), 0) AS total, COALESCE(MAX(cost_micros), 0) AS biggest, COUNT(*) AS n FROM requests',
        );
        const { total, biggest, n } = spend.rows[0]!;
        expect(Number(n)).toBe(2 * PER_GATEWAY);
        expect(Number(total)).toBeGreaterThan(0);
        expect(Number(total)).toBeLessThanOrEqual(CAP_MICROS + Number(biggest));
        const held = await client.query('SELECT id FROM budget_reservations');
        expect(held.rows).toEqual([]);
      } finally {
        await client.end();
      }
    }, 120_000);

    it('both replicas see every row in /api/v1/stats, and a cloud model asked for by name gets a clear 429', async () => {
      const [a, b] = gateways as [Gateway, Gateway];
      // 4,096 output tokens at $15/M is ~$0.06: far over what is left of the $0.004.
      const refused = await api(a, 'POST', '/api/v1/chat', { prompt: 'hello', model: 'claude-sonnet', max_tokens: 4096 });
      expect(refused.status).toBe(429);
      expect((refused.json.error as { message: string }).message).toMatch(
        /Model "claude-sonnet" is a cloud model and the cloud is unavailable: daily cloud budget of \$0\.0040/,
      );
      const [sa, sb] = await Promise.all([api(a, 'GET', '/api/v1/stats?range=today'), api(b, 'GET', '/api/v1/stats?range=today')]);
      expect(sa.status).toBe(200);
      const totals = (s: typeof sa) => s.json.totals as { requests: number; cost_micros: number; cloud: number; local: number };
      expect(totals(sa).requests).toBe(2 * PER_GATEWAY + 1);
      expect(totals(sa)).toEqual(totals(sb));
      expect(sa.json.budget).toEqual(sb.json.budget);
      expect((sa.json.budget as { spent_today_micros: number }).spent_today_micros).toBe(totals(sa).cost_micros);
      for (const g of gateways) expect(g.output()).not.toContain(PG_TEST_PASSWORD);
    });
  },
);
