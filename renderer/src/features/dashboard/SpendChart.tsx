// Spend over time (recharts): what was spent per day next to what the same requests would have cost on Claude.
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { formatMoney } from '../../lib/format';
import type { DayPoint } from './ranges';

/** Axis labels: whole dollars when large, otherwise as few digits as tell the ticks apart. */
function usdTick(v: number): string {
  if (v === 0) return '$0';
  if (v >= 10) return `$${Math.round(v)}`;
  if (v >= 1) return `$${v.toFixed(1)}`;
  return `$${Number(v.toPrecision(2))}`;
}

/** Bars per day; a visually hidden table carries the same numbers for screen readers. */
export function SpendChart({ points }: { points: DayPoint[] }) {
  const data = points.map((p) => ({
    label: p.label,
    spent: p.costMicros / 1e6,
    allCloud: p.allCloudMicros / 1e6,
  }));
  return (
    <figure className="chart" aria-labelledby="spend-chart-caption">
      <figcaption id="spend-chart-caption" className="visually-hidden">
        Spend per day compared with sending every request to Claude
      </figcaption>
      <div className="chart-box" aria-hidden="true">
        <ResponsiveContainer width="100%" height="100%">
          <BarChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: 0 }} barGap={2} accessibilityLayer={false}>
            <CartesianGrid vertical={false} stroke="var(--border)" />
            <XAxis dataKey="label" tickLine={false} axisLine={false} tick={{ fill: 'var(--text-muted)', fontSize: 12 }} minTickGap={12} />
            <YAxis
              tickFormatter={usdTick}
              tickLine={false}
              axisLine={false}
              width={64}
              tick={{ fill: 'var(--text-muted)', fontSize: 12 }}
            />
            <Tooltip
              cursor={{ fill: 'var(--hover)' }}
              contentStyle={{
                background: 'var(--surface-raised)',
                border: '1px solid var(--border)',
                borderRadius: 8,
                color: 'var(--text)',
              }}
              formatter={(v, name) => [formatMoney(Math.round(Number(v) * 1e6)), name === 'spent' ? 'Spent' : 'All on Claude']}
            />
            <Legend
              formatter={(v: string) => <span className="legend-text">{v === 'spent' ? 'Spent' : 'If everything went to Claude'}</span>}
              wrapperStyle={{ fontSize: 12 }}
            />
            <Bar dataKey="allCloud" fill="var(--chart-cloud)" radius={[4, 4, 0, 0]} maxBarSize={28} isAnimationActive={false} />
            <Bar dataKey="spent" fill="var(--chart-spent)" radius={[4, 4, 0, 0]} maxBarSize={28} isAnimationActive={false} />
          </BarChart>
        </ResponsiveContainer>
      </div>
      <table className="visually-hidden">
        <thead>
          <tr>
            <th scope="col">Day</th>
            <th scope="col">Spent</th>
            <th scope="col">If everything went to Claude</th>
          </tr>
        </thead>
        <tbody>
          {points.map((p) => (
            <tr key={p.day}>
              <th scope="row">{p.label}</th>
              <td>{formatMoney(p.costMicros)}</td>
              <td>{formatMoney(p.allCloudMicros)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
