// PostgreSQL side of the routing store (cache, routing events, feedback) over the ledger's pool; same behaviour as sqlite-routing.ts.
import type pg from 'pg';
import type { CacheEntry, RoutingStore } from './routing-store.js';
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

const cacheColumns = `key, scope, created_at, expires_at, request_id, route, model, engine, complexity, response, input_tokens,
  output_tokens, finish_reason, cost_micros, embedding`;

/** Build the routing store on `pool` (already migrated). The ledger spreads it into its own object. */
export function createPostgresRoutingStore(pool: pg.Pool): RoutingStore {
  const rows = async (text: string, values: unknown[] = []): Promise<Row[]> => (await pool.query<Row>(text, values)).rows;
  let puts = 0;

  return {
    async cacheGet(key, now) {
      const [r] = await rows(`SELECT ${cacheColumns} FROM response_cache WHERE key = $1 AND expires_at > $2`, [key, now]);
      return r ? toEntry(r) : undefined;
    },
    async cachePut(e: CacheEntry, now) {
      if (++puts % PURGE_EVERY === 1) await pool.query(`DELETE FROM response_cache WHERE expires_at <= $1`, [now]);
      await pool.query(
        `INSERT INTO response_cache (${cacheColumns})
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
         ON CONFLICT (key) DO UPDATE SET scope = EXCLUDED.scope, created_at = EXCLUDED.created_at,
           expires_at = EXCLUDED.expires_at, request_id = EXCLUDED.request_id, route = EXCLUDED.route, model = EXCLUDED.model,
           engine = EXCLUDED.engine, complexity = EXCLUDED.complexity, response = EXCLUDED.response,
           input_tokens = EXCLUDED.input_tokens, output_tokens = EXCLUDED.output_tokens,
           finish_reason = EXCLUDED.finish_reason, cost_micros = EXCLUDED.cost_micros, embedding = EXCLUDED.embedding`,
        [
          e.key,
          e.scope,
          e.createdAt,
          e.expiresAt,
          e.requestId,
          e.route,
          e.model,
          e.engine,
          e.complexity,
          e.response,
          e.inputTokens,
          e.outputTokens,
          e.finishReason,
          e.costMicros,
          embeddingParam(e),
        ],
      );
    },
    async cacheWithEmbeddings(scope, now, limit) {
      return (
        await rows(
          `SELECT ${cacheColumns} FROM response_cache WHERE scope = $1 AND embedding IS NOT NULL AND expires_at > $2
           ORDER BY created_at DESC LIMIT $3`,
          [scope, now, limit],
        )
      ).map(toEntry);
    },
    async cacheClear() {
      return (await pool.query(`DELETE FROM response_cache`)).rowCount ?? 0;
    },
    async recordRoutingEvent(e) {
      await pool.query(
        `INSERT INTO routing_events (request_id, ts, kind, model, engine, input_tokens, output_tokens, cost_micros, saved_micros, detail)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
        [
          e.requestId,
          e.ts,
          e.kind,
          e.model ?? null,
          e.engine ?? null,
          e.inputTokens ?? 0,
          e.outputTokens ?? 0,
          e.costMicros ?? 0,
          e.savedMicros ?? 0,
          e.detail ?? null,
        ],
      );
    },
    async recordFeedback(f) {
      // One statement: stored only when the request exists (no race between the check and the write).
      const r = await pool.query(
        `INSERT INTO feedback (request_id, ts, rating, comment)
         SELECT $1, $2, $3, $4 WHERE EXISTS (SELECT 1 FROM requests WHERE id = $1)
         ON CONFLICT (request_id) DO UPDATE SET ts = EXCLUDED.ts, rating = EXCLUDED.rating, comment = EXCLUDED.comment`,
        [f.requestId, f.ts, f.rating, f.comment],
      );
      return (r.rowCount ?? 0) > 0;
    },
    async feedbackSamples(from) {
      return (
        await rows(
          `SELECT f.request_id, f.ts, f.rating, r.route, r.engine, r.model, r.complexity
           FROM feedback f JOIN requests r ON r.id = f.request_id WHERE f.ts >= $1 ORDER BY f.ts, f.request_id`,
          [from],
        )
      ).map(toFeedbackSample);
    },
    async requestScores(from) {
      return (
        await rows(
          `SELECT complexity, engine FROM requests
           WHERE ts >= $1 AND status = 'ok' AND complexity IS NOT NULL AND reasons NOT LIKE '%requested by the caller%'`,
          [from],
        )
      ).map((r) => ({ complexity: Number(r.complexity), engine: (r.engine ?? null) as string | null }));
    },
    async routingStats(from, to) {
      const [events, feedback] = await Promise.all([
        rows(
          `SELECT kind, COUNT(*) AS n, COALESCE(SUM(saved_micros), 0) AS saved, COALESCE(SUM(cost_micros), 0) AS cost
           FROM routing_events WHERE ts >= $1 AND ts < $2 GROUP BY kind`,
          [from, to],
        ),
        rows(
          `SELECT COALESCE(r.route, '') AS route,
             COUNT(*) FILTER (WHERE f.rating = 'up') AS up,
             COUNT(*) FILTER (WHERE f.rating = 'down') AS down,
             COUNT(*) FILTER (WHERE f.rating = 'retry') AS retry,
             COUNT(*) FILTER (WHERE r.engine IS NOT NULL AND r.engine NOT IN (${CLOUD_ENGINES_SQL})) AS local_rated,
             COUNT(*) FILTER (WHERE r.engine IS NOT NULL AND r.engine NOT IN (${CLOUD_ENGINES_SQL}) AND f.rating <> 'up') AS local_missed
           FROM feedback f JOIN requests r ON r.id = f.request_id WHERE f.ts >= $1 AND f.ts < $2 GROUP BY 1 ORDER BY 1`,
          [from, to],
        ),
      ]);
      return routingStatsFrom(events, feedback);
    },
    async experimentTotals(experimentId) {
      return (await rows(EXPERIMENT_TOTALS_SQL.replace('?', '$1'), [experimentId])).map(toArmTotals);
    },
  };
}
