// Cost dashboard: spend, savings versus all-Claude, local share, by model and route, spend over time, budget progress,
// what the routing features did (cache hits, cascade escalations, feedback), and a routing experiment's arms.
import { type ReactNode, useState } from 'react';
import { useStats } from '../../api/queries';
import type { RoutingStatsDto, StatsDto } from '../../api/types';
import { Notice } from '../../components/Notice';
import { Spinner } from '../../components/Spinner';
import { formatDuration, formatMoney, formatPercent, formatTokens } from '../../lib/format';
import { engineName } from '../chat/RouteBadge';
import { ExperimentCard } from './ExperimentCard';
import { budgetProgress, dashboardRanges, daySeries, type DashboardRange } from './ranges';
import { SpendChart } from './SpendChart';

/** What "Saved" counts, said beside the number (the stats SQL: router-core/ledger/rows.ts notHelpful). */
export const SAVINGS_EXPLAINED =
  'Saved = what Claude Sonnet would have charged for each answer, minus what it really cost. Answers you rated down, retried, or replaced with Claude’s count nothing; failed requests count nothing.';

function Card({ label, value, sub, testId }: { label: string; value: string; sub?: string; testId: string }) {
  return (
    <div className="stat-card">
      <div className="stat-label">{label}</div>
      <div className="stat-value" data-testid={testId}>
        {value}
      </div>
      {sub && <div className="stat-sub">{sub}</div>}
    </div>
  );
}

/** One cap: spent vs cap as a bar; says plainly when the cap is reached and until when the cloud is off. */
export function BudgetBar({ label, spent, cap, resets }: { label: string; spent: number; cap: number | null; resets: string }) {
  const p = budgetProgress(spent, cap);
  return (
    <div className="budget">
      <div className="budget-head">
        <span className="budget-label">{label}</span>
        <span className="budget-nums">
          {formatMoney(spent)}
          {cap !== null ? ` of ${formatMoney(cap)}` : ' spent · no cap'}
        </span>
      </div>
      {p && (
        <>
          <div
            className={`progress${p.reached ? ' progress-full' : p.fraction >= 0.8 ? ' progress-warn' : ''}`}
            role="progressbar"
            aria-label={`${label} used`}
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={Math.round(p.fraction * 100)}
          >
            <div className="progress-fill" style={{ width: `${p.fraction * 100}%` }} />
          </div>
          {p.reached && (
            <p className="budget-reached" data-testid="budget-reached">
              Cap reached: everything stays on local models until {resets}.
            </p>
          )}
        </>
      )}
    </div>
  );
}

/** Cache hits and cascade escalations with what they saved, and the people's verdicts (from `routing` of the stats). */
export function RoutingCards({ routing }: { routing: RoutingStatsDto }) {
  const { cache, cascade, feedback } = routing;
  const hits = cache.hits + cache.semantic_hits;
  const rated = feedback.up + feedback.down + feedback.retry;
  return (
    <section className="card" aria-labelledby="routing-title">
      <h2 id="routing-title" className="card-title">
        Cache and cascade
      </h2>
      <div className="stat-grid">
        <Card
          label="Cache hits"
          value={String(hits)}
          sub={`saved ${formatMoney(cache.saved_micros)} in repeat calls${cache.semantic_hits ? ` · ${cache.semantic_hits} by meaning` : ''}`}
          testId="stat-cache-hits"
        />
        <Card
          label="Cascade escalations"
          value={String(cascade.escalated)}
          sub={`of ${cascade.runs} checked (${formatPercent(cascade.escalation_rate)}) · saved ${formatMoney(cascade.saved_micros)}`}
          testId="stat-escalations"
        />
        <Card
          label="Your verdicts"
          value={String(rated)}
          sub={
            rated
              ? `${feedback.up} up · ${feedback.down} down · ${feedback.retry} retried · local misses ${formatPercent(feedback.local_miss_rate)}`
              : 'Rate answers in the chat to tune the router'
          }
          testId="stat-feedback"
        />
      </div>
      <p className="muted small">
        A cache hit answers a repeated request at no cost (it saves what the first answer cost); the cascade checks a local answer and asks
        a stronger model only when it looks weak (it saves the cloud calls a good local answer made unnecessary).
      </p>
    </section>
  );
}

/** The providers as the dashboard names them. */
const providerLabels: Record<NonNullable<StatsDto['by_provider']>[number]['provider'], string> = {
  anthropic: 'Claude (Anthropic)',
  openai: 'OpenAI',
  gemini: 'Google Gemini',
  compat: 'OpenAI-compatible cloud',
};

/** A number column of a breakdown table: its header and what each row shows in it. */
interface NumColumn<T> {
  header: string;
  value(row: T): ReactNode;
}

/**
 * One breakdown card (spend by model, by route, by provider): a titled table whose rows are headed by `rowHeader` and
 * carry the number columns, or `empty` when the range has no rows.
 */
function BreakdownCard<T>({
  id,
  title,
  testId,
  rows,
  rowKey,
  rowLabel,
  rowHeader,
  columns,
  empty,
}: {
  id: string;
  title: string;
  testId?: string;
  rows: readonly T[];
  rowKey(row: T): string;
  /** The header of the row-header column. */
  rowLabel: string;
  rowHeader(row: T): ReactNode;
  columns: Array<NumColumn<T>>;
  empty: string;
}) {
  return (
    <section className="card" aria-labelledby={id} data-testid={testId}>
      <h2 id={id} className="card-title">
        {title}
      </h2>
      {rows.length === 0 ? (
        <p className="muted">{empty}</p>
      ) : (
        <table className="data-table" tabIndex={0}>
          <thead>
            <tr>
              <th scope="col">{rowLabel}</th>
              {columns.map((c) => (
                <th key={c.header} scope="col" className="num">
                  {c.header}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={rowKey(row)}>
                <th scope="row">{rowHeader(row)}</th>
                {columns.map((c) => (
                  <td key={c.header} className="num">
                    {c.value(row)}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

type ModelRow = StatsDto['by_model'][number];
type RouteRow = StatsDto['by_route'][number];
type ProviderRow = NonNullable<StatsDto['by_provider']>[number];

const requestsColumn = { header: 'Requests', value: (r: { requests: number }) => r.requests };
const tokensColumn = {
  header: 'Tokens',
  value: (r: { input_tokens: number; output_tokens: number }) => formatTokens(r.input_tokens + r.output_tokens),
};
const spentColumn = { header: 'Spent', value: (r: { cost_micros: number }) => formatMoney(r.cost_micros) };

/** Spend by model, by route and by cloud provider, one card each. */
export function Breakdown({ stats }: { stats: StatsDto }) {
  return (
    <div className="grid-2">
      <BreakdownCard<ModelRow>
        id="by-model"
        title="By model"
        rows={stats.by_model}
        rowKey={(m) => `${m.model}-${m.engine}`}
        rowLabel="Model"
        rowHeader={(m) => (
          <>
            <span className="cell-main">{m.model}</span>
            <span className="cell-sub">{engineName(m.engine)}</span>
          </>
        )}
        columns={[requestsColumn, tokensColumn, spentColumn, { header: 'Saved', value: (m) => formatMoney(m.savings_micros) }]}
        empty="No requests in this range."
      />
      <BreakdownCard<RouteRow>
        id="by-route"
        title="By route"
        rows={stats.by_route}
        rowKey={(r) => r.route}
        rowLabel="Route"
        rowHeader={(r) => <span className={`route-pill route-${r.route}`}>{r.route}</span>}
        columns={[
          requestsColumn,
          { header: 'Share', value: (r) => formatPercent(stats.totals.requests ? r.requests / stats.totals.requests : 0) },
          spentColumn,
        ]}
        empty="No requests in this range."
      />
      <BreakdownCard<ProviderRow>
        id="by-provider"
        title="Cloud spend by provider"
        testId="spend-by-provider"
        rows={stats.by_provider ?? []}
        rowKey={(p) => p.provider}
        rowLabel="Provider"
        rowHeader={(p) => providerLabels[p.provider]}
        columns={[requestsColumn, tokensColumn, spentColumn]}
        empty="No cloud answers in this range."
      />
    </div>
  );
}

export default function DashboardView() {
  const [range, setRange] = useState<DashboardRange>('7d');
  const stats = useStats(range);
  const s = stats.data;
  return (
    <div className="page">
      <header className="page-head">
        <div>
          <h1>Cost dashboard</h1>
          <p className="muted">What you spent, and what the same requests would have cost sent to Claude.</p>
        </div>
        <div className="segmented" role="group" aria-label="Time range">
          {dashboardRanges.map((r) => (
            <button key={r.value} type="button" aria-pressed={range === r.value} onClick={() => setRange(r.value)}>
              {r.label}
            </button>
          ))}
        </div>
      </header>
      {stats.error && (
        <Notice tone="error" title="Could not load the numbers">
          {stats.error.message}
        </Notice>
      )}
      {!s ? (
        <div className="center-pad">
          <Spinner label="Loading the dashboard" />
        </div>
      ) : (
        <div className={`page-body${stats.loading ? ' is-refreshing' : ''}`}>
          <div className="stat-grid">
            <Card label="Spent" value={formatMoney(s.totals.cost_micros)} sub={`${s.totals.cloud} cloud requests`} testId="stat-spend" />
            <Card
              label="Saved vs all-Claude"
              value={formatMoney(s.totals.savings_micros)}
              sub={`${formatPercent(s.totals.savings_pct)} of ${formatMoney(s.totals.all_cloud_micros)}`}
              testId="stat-saved"
            />
            <Card
              label="Answered locally"
              value={formatPercent(s.totals.local_share)}
              sub={`${s.totals.local} of ${s.totals.local + s.totals.cloud} answers`}
              testId="stat-local-share"
            />
            <Card
              label="Requests"
              value={String(s.totals.requests)}
              sub={`${s.totals.errors} failed · avg ${formatDuration(s.totals.avg_latency_ms)}`}
              testId="stat-requests"
            />
          </div>
          <p className="muted small savings-note" data-testid="savings-note">
            {SAVINGS_EXPLAINED}
          </p>
          <section className="card" aria-labelledby="spend-title">
            <h2 id="spend-title" className="card-title">
              Spend over time
            </h2>
            <SpendChart points={daySeries(s)} />
          </section>
          <section className="card" aria-labelledby="budget-title">
            <h2 id="budget-title" className="card-title">
              Cloud budget
            </h2>
            <div className="grid-2">
              <BudgetBar label="Today" spent={s.budget.spent_today_micros} cap={s.budget.daily_cap_micros} resets="midnight" />
              <BudgetBar label="This month" spent={s.budget.spent_month_micros} cap={s.budget.monthly_cap_micros} resets="the 1st" />
            </div>
            <p className="muted small">
              Set caps in <a href="#/settings">Settings</a>. When a cap is reached, prompts stay on local models until it resets.
            </p>
          </section>
          {s.schedule && (
            <section className="card" aria-labelledby="schedule-title" data-testid="schedule-card">
              <h2 id="schedule-title" className="card-title">
                Schedule
              </h2>
              <p>
                {s.schedule.cloud_blocked ? 'Cloud off now: ' : 'Cloud allowed now: '}
                {s.schedule.reason}
              </p>
              <p className="muted small">
                Change the hours in <a href="#/settings">Settings</a>.
              </p>
            </section>
          )}
          {s.routing && <RoutingCards routing={s.routing} />}
          <ExperimentCard />
          <Breakdown stats={s} />
        </div>
      )}
    </div>
  );
}
