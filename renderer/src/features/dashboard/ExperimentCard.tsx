// The dashboard's routing experiment: both arms side by side with counts and 95% intervals; adopt an arm, or stop.
import { api } from '../../api/client';
import { invalidate, useApi } from '../../api/queries';
import { useAction } from '../../api/useAction';
import type { ArmStatsDto, ExperimentDto, ExperimentStatsDto, ProportionDto } from '../../api/types';
import { Button } from '../../components/Button';
import { Notice } from '../../components/Notice';
import { formatMoney, formatPercent } from '../../lib/format';

/** "2 of 8 · 95% CI 6.3–59%": the count behind a rate and its interval. */
export function proportionDetail(p: ProportionDto): string {
  return `${p.count} of ${p.total} · 95% CI ${formatPercent(p.low)}–${formatPercent(p.high)}`;
}

/** "95% CI $0–$0.0030 · total $0.0096", or only the total when there are too few requests for an interval. */
export function meanCostDetail(a: ArmStatsDto): string {
  const m = a.mean_cost_micros;
  const ci = m.low === null || m.high === null ? 'too few requests for an interval' : `95% CI ${formatMoney(m.low)}–${formatMoney(m.high)}`;
  return `${ci} · total ${formatMoney(a.cost_micros)}`;
}

/** The variant in words, field by field as the API holds it ("thresholds medium 0, cloud 0 · estimator rules"). */
export function describeVariant(variant: Record<string, unknown>): string {
  const value = (v: unknown): string =>
    v !== null && typeof v === 'object'
      ? Object.entries(v)
          .map(([k, x]) => `${k} ${String(x)}`)
          .join(', ')
      : String(v);
  return Object.entries(variant)
    .map(([k, v]) => `${k} ${value(v)}`)
    .join(' · ');
}

const armTitle = (a: ArmStatsDto['arm']): string => (a === 'A' ? 'A · main policy' : 'B · variant');

interface Metric {
  key: string;
  label: string;
  value(a: ArmStatsDto): string;
  detail?(a: ArmStatsDto): string;
}

const metrics: Metric[] = [
  { key: 'requests', label: 'Requests decided', value: (a) => String(a.requests) },
  { key: 'cloud', label: 'Cloud share', value: (a) => formatPercent(a.cloud_share.rate), detail: (a) => proportionDetail(a.cloud_share) },
  { key: 'cost', label: 'Mean cost per request', value: (a) => formatMoney(a.mean_cost_micros.mean), detail: meanCostDetail },
  {
    key: 'down',
    label: 'Thumbs-down rate',
    value: (a) => formatPercent(a.thumbs_down.rate),
    detail: (a) => proportionDetail(a.thumbs_down),
  },
  {
    key: 'retry',
    label: '“Retry with Claude” rate',
    value: (a) => formatPercent(a.retry_with_claude.rate),
    detail: (a) => proportionDetail(a.retry_with_claude),
  },
];

/** The comparison table and its actions (pure over the stats; the container does the calls). */
export function ExperimentComparison({
  stats,
  busy,
  onAdopt,
  onStop,
}: {
  stats: ExperimentStatsDto;
  busy: boolean;
  onAdopt(arm: 'A' | 'B'): void;
  onStop(): void;
}) {
  const e = stats.experiment;
  const running = e.status === 'running';
  return (
    <>
      <p className="muted" data-testid="experiment-summary">
        {running ? 'Running' : 'Stopped'}: “{e.name}”. The variant ({describeVariant(e.variant)}) decides {formatPercent(e.share)} of
        conversations, chosen by a hash of the conversation id, so each chat stays in one arm.
        {e.adopted === 'B' && ' Adopted: the variant is now the main policy.'}
        {e.adopted === 'A' && ' Adopted: the main policy was kept.'}
      </p>
      <table className="data-table" data-testid="experiment-table">
        <thead>
          <tr>
            <th scope="col">Measure</th>
            {stats.arms.map((a) => (
              <th key={a.arm} scope="col" className="num">
                {armTitle(a.arm)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {metrics.map((m) => (
            <tr key={m.key}>
              <th scope="row">{m.label}</th>
              {stats.arms.map((a) => (
                <td key={a.arm} className="num">
                  <span className="cell-main" data-testid={`exp-${a.arm}-${m.key}`}>
                    {m.value(a)}
                  </span>
                  {m.detail && (
                    <span className="cell-sub" data-testid={`exp-${a.arm}-${m.key}-detail`}>
                      {m.detail(a)}
                    </span>
                  )}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      <p className="muted small">
        Rates are per request the arm decided, with 95% confidence intervals (Wilson for rates, normal approximation for the mean cost):
        where two arms’ intervals overlap, the difference may be chance. Answers for a model you picked yourself, and cache hits, belong to
        no arm.
      </p>
      <p data-testid="experiment-winner">
        {stats.winner.arm ? <strong>Suggested: adopt {stats.winner.arm}</strong> : <strong>No clear winner yet</strong>}
        {stats.winner.arm ? ` (${stats.winner.reason}).` : ` (${stats.winner.reason.replace(/^no clear winner yet: /, '')}).`}
      </p>
      {running && (
        <div className="form-actions">
          <Button variant={stats.winner.arm === 'A' ? 'secondary' : 'primary'} disabled={busy} onClick={() => onAdopt('B')}>
            Adopt B: make the variant the main policy
          </Button>
          <Button variant={stats.winner.arm === 'A' ? 'primary' : 'secondary'} disabled={busy} onClick={() => onAdopt('A')}>
            Adopt A: keep the main policy
          </Button>
          <Button variant="ghost" disabled={busy} onClick={onStop}>
            Stop the experiment
          </Button>
        </div>
      )}
    </>
  );
}

/** The card: shown once an experiment was started (PUT /api/v1/routing/experiment); nothing otherwise. */
export function ExperimentCard() {
  const current = useApi<{ experiment: ExperimentDto | null }>('/api/v1/routing/experiment');
  const stats = useApi<ExperimentStatsDto>(current.data?.experiment ? '/api/v1/routing/experiment/stats' : null);
  const { busy, error, run } = useAction();
  if (!current.data?.experiment) return null;

  const act = (method: 'POST' | 'DELETE', path: string, body?: unknown) =>
    run(async () => {
      await api(method, path, body);
      current.reload();
      stats.reload();
      // An adopted variant changed the main settings.
      invalidate('/api/v1/settings');
      invalidate('/api/v1/routing');
    });

  return (
    <section className="card" aria-labelledby="experiment-title">
      <h2 id="experiment-title" className="card-title">
        Routing experiment
      </h2>
      {error && (
        <Notice tone="error" title="The experiment could not be changed">
          {error.message}
        </Notice>
      )}
      {stats.error && (
        <Notice tone="error" title="Could not load the comparison">
          {stats.error.message}
        </Notice>
      )}
      {stats.data && (
        <ExperimentComparison
          stats={stats.data}
          busy={busy}
          onAdopt={(arm) => void act('POST', '/api/v1/routing/experiment/adopt', { arm })}
          onStop={() => void act('DELETE', '/api/v1/routing/experiment')}
        />
      )}
    </section>
  );
}
