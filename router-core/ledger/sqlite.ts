// SQLite ledger (better-sqlite3, WAL): the only file that imports the driver.
import Database from 'better-sqlite3';
import type { Ledger, RequestRecord, Stats, StatsSlice } from './ledger.js';
import { migrate } from './migrate.js';
import type { SpendSoFar } from '../routing/budget.js';

const sliceColumns = `
  COUNT(*) AS requests,
  SUM(status != 'ok') AS errors,
  SUM(input_tokens) AS inputTokens,
  SUM(output_tokens) AS outputTokens,
  SUM(cost_micros) AS costMicros,
  SUM(all_cloud_micros) AS allCloudMicros,
  SUM(MAX(all_cloud_micros - cost_micros, 0)) AS savingsMicros`;

type Row = Record<string, unknown>;

function slice(r: Row): StatsSlice {
  const n = (k: string): number => Number(r[k] ?? 0);
  return {
    requests: n('requests'),
    errors: n('errors'),
    inputTokens: n('inputTokens'),
    outputTokens: n('outputTokens'),
    costMicros: n('costMicros'),
    allCloudMicros: n('allCloudMicros'),
    savingsMicros: n('savingsMicros'),
  };
}

/** Open (creating if needed) the ledger at `file` (":memory:" for tests). */
export function openSqliteLedger(file: string): Ledger {
  const db = new Database(file);
  // WAL: readers never block the writer. synchronous=NORMAL: a committed row survives a process crash
  // (kill -9); only an OS crash/power loss can lose the last commits, which is the usual desktop trade-off.
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  migrate(db);

  const insert = db.prepare(`
    INSERT INTO requests (id, ts, protocol, route, model, engine, complexity, reasons, input_tokens, output_tokens,
      cost_micros, all_cloud_micros, latency_ms, ttft_ms, status, error_type, fallback_from, prompt, response)
    VALUES (@id, @ts, @protocol, @route, @model, @engine, @complexity, @reasons, @inputTokens, @outputTokens,
      @costMicros, @allCloudMicros, @latencyMs, @ttftMs, @status, @errorType, @fallbackFrom, @prompt, @response)`);
  const totals = db.prepare(`SELECT ${sliceColumns},
      SUM(engine IS NOT NULL AND engine != 'anthropic' AND status = 'ok') AS local,
      SUM(engine = 'anthropic' AND status = 'ok') AS cloud,
      AVG(latency_ms) AS avgLatencyMs
    FROM requests WHERE ts >= ? AND ts < ?`);
  const byModel = db.prepare(
    `SELECT model, engine, ${sliceColumns} FROM requests WHERE ts >= ? AND ts < ? AND model IS NOT NULL GROUP BY model, engine ORDER BY requests DESC`,
  );
  const byRoute = db.prepare(
    `SELECT route, ${sliceColumns} FROM requests WHERE ts >= ? AND ts < ? AND route IS NOT NULL GROUP BY route ORDER BY requests DESC`,
  );
  const byDay = db.prepare(
    `SELECT strftime('%Y-%m-%d', ts / 1000, 'unixepoch', 'localtime') AS day, ${sliceColumns} FROM requests WHERE ts >= ? AND ts < ? GROUP BY day ORDER BY day`,
  );
  const spend = db.prepare(`SELECT
      COALESCE(SUM(CASE WHEN ts >= @day THEN cost_micros END), 0) AS today,
      COALESCE(SUM(cost_micros), 0) AS month
    FROM requests WHERE ts >= @month AND cost_micros > 0`);
  const recent = db.prepare(`SELECT * FROM requests ORDER BY ts DESC LIMIT ?`);
  const getSetting = db.prepare(`SELECT value FROM settings WHERE key = ?`);
  const setSetting = db.prepare(`INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`);

  // Hot-path caches: every decision reads settings and spend-so-far. Settings change only through
  // setSetting; spend only through record(), so both stay exact without a query per request.
  const settingsCache = new Map<string, unknown>();
  let spendMemo: { day: number; month: number; spend: SpendSoFar } | undefined;

  return {
    record(r: RequestRecord): void {
      insert.run({ ...r, reasons: JSON.stringify(r.reasons), fallbackFrom: JSON.stringify(r.fallbackFrom) });
      if (spendMemo && r.costMicros > 0) {
        if (r.ts >= Math.min(spendMemo.day, spendMemo.month)) spendMemo.spend.monthMicros += r.costMicros;
        if (r.ts >= spendMemo.day) spendMemo.spend.todayMicros += r.costMicros;
      }
    },
    stats(from: number, to: number): Stats {
      const t = totals.get(from, to) as Row;
      const s = slice(t);
      const local = Number(t.local ?? 0);
      const cloud = Number(t.cloud ?? 0);
      return {
        from,
        to,
        totals: {
          ...s,
          local,
          cloud,
          localShare: local + cloud === 0 ? 0 : local / (local + cloud),
          savingsPct: s.allCloudMicros === 0 ? 0 : s.savingsMicros / s.allCloudMicros,
          avgLatencyMs: Number(t.avgLatencyMs ?? 0),
        },
        byModel: (byModel.all(from, to) as Row[]).map((r) => ({ model: String(r.model), engine: String(r.engine ?? ''), ...slice(r) })),
        byRoute: (byRoute.all(from, to) as Row[]).map((r) => ({ route: String(r.route), ...slice(r) })),
        byDay: (byDay.all(from, to) as Row[]).map((r) => ({ day: String(r.day), ...slice(r) })),
      };
    },
    spendSince(dayStart: number, monthStart: number): SpendSoFar {
      if (!spendMemo || spendMemo.day !== dayStart || spendMemo.month !== monthStart) {
        const r = spend.get({ day: dayStart, month: Math.min(dayStart, monthStart) }) as Row;
        spendMemo = { day: dayStart, month: monthStart, spend: { todayMicros: Number(r.today), monthMicros: Number(r.month) } };
      }
      return { ...spendMemo.spend };
    },
    recent(limit: number): RequestRecord[] {
      return (recent.all(limit) as Row[]).map((r) => ({
        id: String(r.id),
        ts: Number(r.ts),
        protocol: r.protocol as RequestRecord['protocol'],
        route: (r.route ?? null) as RequestRecord['route'],
        model: (r.model ?? null) as string | null,
        engine: (r.engine ?? null) as RequestRecord['engine'],
        complexity: r.complexity === null ? null : Number(r.complexity),
        reasons: JSON.parse(String(r.reasons)) as string[],
        inputTokens: Number(r.input_tokens),
        outputTokens: Number(r.output_tokens),
        costMicros: Number(r.cost_micros),
        allCloudMicros: Number(r.all_cloud_micros),
        latencyMs: Number(r.latency_ms),
        ttftMs: r.ttft_ms === null ? null : Number(r.ttft_ms),
        status: r.status as RequestRecord['status'],
        errorType: (r.error_type ?? null) as RequestRecord['errorType'],
        fallbackFrom: JSON.parse(String(r.fallback_from)) as string[],
        prompt: (r.prompt ?? null) as string | null,
        response: (r.response ?? null) as string | null,
      }));
    },
    getSetting<T>(key: string): T | undefined {
      if (!settingsCache.has(key)) {
        const r = getSetting.get(key) as { value: string } | undefined;
        settingsCache.set(key, r ? (JSON.parse(r.value) as unknown) : undefined);
      }
      return settingsCache.get(key) as T | undefined;
    },
    setSetting(key: string, value: unknown): void {
      setSetting.run(key, JSON.stringify(value));
      settingsCache.set(key, value === undefined ? undefined : (JSON.parse(JSON.stringify(value)) as unknown));
    },
    close(): void {
      db.close();
    },
  };
}
