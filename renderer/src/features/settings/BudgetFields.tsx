// Daily and monthly cloud budget caps in dollars (empty = no cap), with what is spent and whether a cap is reached.
import { useEffect, useState } from 'react';
import type { SettingsDto } from '../../api/types';
import { Button } from '../../components/Button';
import { Notice } from '../../components/Notice';
import { formatMoney, microsToUsdInput, usdInputToMicros } from '../../lib/format';

export function BudgetFields({
  settings,
  onSave,
}: {
  settings: SettingsDto;
  onSave(caps: { daily_budget_micros: number | null; monthly_budget_micros: number | null }): Promise<void>;
}) {
  const [daily, setDaily] = useState(microsToUsdInput(settings.daily_budget_micros));
  const [monthly, setMonthly] = useState(microsToUsdInput(settings.monthly_budget_micros));
  const [saving, setSaving] = useState(false);
  useEffect(() => {
    setDaily(microsToUsdInput(settings.daily_budget_micros));
    setMonthly(microsToUsdInput(settings.monthly_budget_micros));
  }, [settings.daily_budget_micros, settings.monthly_budget_micros]);

  const d = usdInputToMicros(daily);
  const m = usdInputToMicros(monthly);
  const valid = d !== undefined && m !== undefined;
  const dirty = valid && (d !== settings.daily_budget_micros || m !== settings.monthly_budget_micros);
  const status = settings.budget_status;

  const field = (id: string, label: string, value: string, set: (v: string) => void, spent: number, bad: boolean) => (
    <div className="money-field">
      <label htmlFor={id}>{label}</label>
      <div className={`money-input${bad ? ' invalid' : ''}`}>
        <span aria-hidden="true">$</span>
        <input
          id={id}
          inputMode="decimal"
          placeholder="No cap"
          value={value}
          aria-invalid={bad}
          aria-describedby={`${id}-help`}
          onChange={(e) => set(e.target.value)}
        />
      </div>
      <p id={`${id}-help`} className={bad ? 'error-text small' : 'muted small'}>
        {bad ? 'Enter an amount in dollars, like 5 or 0.50, or leave empty for no cap.' : `${formatMoney(spent)} spent so far`}
      </p>
    </div>
  );

  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        if (!dirty || d === undefined || m === undefined) return;
        setSaving(true);
        void onSave({ daily_budget_micros: d, monthly_budget_micros: m }).finally(() => setSaving(false));
      }}
    >
      <div className="grid-2">
        {field('budget-daily', 'Daily cap', daily, setDaily, status.spent_today_micros, d === undefined)}
        {field('budget-monthly', 'Monthly cap', monthly, setMonthly, status.spent_month_micros, m === undefined)}
      </div>
      {status.cloud_blocked && (
        <div data-testid="budget-blocked">
          <Notice tone="warn" title="Cloud budget reached: local only">
            {status.cloud_blocked}.
          </Notice>
        </div>
      )}
      <div className="form-actions">
        <Button variant="primary" type="submit" disabled={!dirty || saving}>
          Save caps
        </Button>
      </div>
    </form>
  );
}
