// SQLite side of the routing store (cache, routing events, feedback) over the ledger's open database (migration 4).
import type Database from 'better-sqlite3';
import type { SyncLedger } from './ledger.js';
import type { FeedbackRecord, RoutingEvent, RoutingStats, RoutingStore } from './routing-store.js';
import {
  CLOUD_ENGINES_SQL,
  EXPERIMENT_TOTALS_SQL,
  embeddingParam,
  routingStatsFrom,
  toArmTotals,
  toEntry,
  toFeedbackSample,
  type Row,
} from './rows.js';

/** why: purging on every put would cost a DELETE per request; every 64th put keeps the table near its live size. */
const PURGE_EVERY = 64;

/** Build the routing store on `db` (already migrated), synchronous like the rest of the SQLite store, which spreads it into its own object. */
export function createSqliteRoutingStore(db: Database.Database): Pick<SyncLedger, keyof RoutingStore> {
  const get = db.prepare(`SELECT * FROM response_cache WHERE key = ? AND expires_at > ?`);
  const put = db.prepare(`INSERT OR REPLACE INTO response_cache
      (key, scope, created_at, expires_at, request_id, route, model, engine, complexity, response, input_tokens, output_tokens, finish_reason, cost_micros, embedding)
      VALUES (@key, @scope, @createdAt, @expiresAt, @requestId, @route, @model, @engine, @complexity, @response, @inputTokens, @outputTokens, @finishReason, @costMicros, @embedding)`);
  const purge = db.prepare(`DELETE FROM response_cache WHERE expires_at <= ?`);
  const withEmbeddings = db.prepare(
    `SELECT * FROM response_cache WHERE scope = ? AND embedding IS NOT NULL AND expires_at > ? ORDER BY created_at DESC LIMIT ?`,
  );
  const clear = db.prepare(`DELETE FROM response_cache`);
  const event = db.prepare(`INSERT INTO routing_events
      (request_id, ts, kind, model, engine, input_tokens, output_tokens, cost_micros, saved_micros, detail)
      VALUES (@requestId, @ts, @kind, @model, @engine, @inputTokens, @outputTokens, @costMicros, @savedMicros, @detail)`);
  const requestExists = db.prepare(`SELECT 1 FROM requests WHERE id = ?`);
  const feedback = db.prepare(`INSERT INTO feedback (request_id, ts, rating, comment) VALUES (@requestId, @ts, @rating, @comment)
      ON CONFLICT(request_id) DO UPDATE SET ts = excluded.ts, rating = excluded.rating, comment = excluded.comment`);
  const samples = db.prepare(`SELECT f.request_id, f.ts, f.rating, r.route, r.engine, r.model, r.complexity
      FROM feedback f JOIN requests r ON r.id = f.request_id WHERE f.ts >= ? ORDER BY f.ts`);
  const scores = db.prepare(`SELECT complexity, engine FROM requests
      WHERE ts >= ? AND status = 'ok' AND complexity IS NOT NULL AND reasons NOT LIKE '%requested by the caller%'`);
  const eventCounts = db.prepare(`SELECT kind, COUNT(*) AS n, COALESCE(SUM(saved_micros), 0) AS saved, COALESCE(SUM(cost_micros), 0) AS cost
      FROM routing_events WHERE ts >= ? AND ts < ? GROUP BY kind`);
  const feedbackByRoute = db.prepare(`SELECT COALESCE(r.route, '') AS route,
        SUM(f.rating = 'up') AS up, SUM(f.rating = 'down') AS down, SUM(f.rating = 'retry') AS retry,
        SUM(r.engine IS NOT NULL AND r.engine NOT IN (${CLOUD_ENGINES_SQL})) AS local_rated,
        SUM(r.engine IS NOT NULL AND r.engine NOT IN (${CLOUD_ENGINES_SQL}) AND f.rating != 'up') AS local_missed
      FROM feedback f JOIN requests r ON r.id = f.request_id WHERE f.ts >= ? AND f.ts < ? GROUP BY route ORDER BY route`);
  const experimentTotals = db.prepare(EXPERIMENT_TOTALS_SQL);
  let puts = 0;

  return {
    cacheGet(key, now) {
      const r = get.get(key, now) as Row | undefined;
      return r ? toEntry(r) : undefined;
    },
    cachePut(e, now) {
      if (++puts % PURGE_EVERY === 1) purge.run(now);
      put.run({ ...e, embedding: embeddingParam(e) });
    },
    cacheWithEmbeddings(scope, now, limit) {
      return (withEmbeddings.all(scope, now, limit) as Row[]).map(toEntry);
    },
    cacheClear() {
      return clear.run().changes;
    },
    recordRoutingEvent(e: RoutingEvent) {
      event.run({
        requestId: e.requestId,
        ts: e.ts,
        kind: e.kind,
        model: e.model ?? null,
        engine: e.engine ?? null,
        inputTokens: e.inputTokens ?? 0,
        outputTokens: e.outputTokens ?? 0,
        costMicros: e.costMicros ?? 0,
        savedMicros: e.savedMicros ?? 0,
        detail: e.detail ?? null,
      });
    },
    recordFeedback(f: FeedbackRecord) {
      if (!requestExists.get(f.requestId)) return false;
      feedback.run(f);
      return true;
    },
    feedbackSamples(from) {
      return (samples.all(from) as Row[]).map(toFeedbackSample);
    },
    requestScores(from) {
      return (scores.all(from) as Row[]).map((r) => ({ complexity: Number(r.complexity), engine: (r.engine ?? null) as string | null }));
    },
    routingStats(from, to): RoutingStats {
      return routingStatsFrom(eventCounts.all(from, to) as Row[], feedbackByRoute.all(from, to) as Row[]);
    },
    experimentTotals(experimentId) {
      return (experimentTotals.all(experimentId) as Row[]).map(toArmTotals);
    },
  };
}
