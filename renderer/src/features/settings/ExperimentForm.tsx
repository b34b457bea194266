// Settings → routing experiment: start a variant policy on a share of conversations, or see and stop the running one.
import { useState } from 'react';
import type { ExperimentDto } from '../../api/types';
import { Button } from '../../components/Button';
import { formatPercent } from '../../lib/format';
import { describeVariant } from '../dashboard/ExperimentCard';

/** PUT /api/v1/routing/experiment body. */
export interface ExperimentStart {
  share: number;
  variant: Record<string, unknown>;
  name?: string;
}

/**
 * The start body from the form's fields, or a sentence saying what is missing. Shares are typed in percent because
 * that is how people say it ("half the traffic"); the API takes the fraction.
 */
export function experimentStartFrom(f: {
  name: string;
  sharePct: string;
  changeThresholds: boolean;
  medium: string;
  cloud: string;
  estimator: '' | 'learned' | 'rules';
}): ExperimentStart | string {
  const share = Number(f.sharePct);
  if (f.sharePct.trim() === '' || !Number.isFinite(share) || share <= 0 || share >= 100) {
    return 'Enter the share of conversations for the variant, between 1 and 99 %.';
  }
  const variant: Record<string, unknown> = {};
  if (f.changeThresholds) variant.thresholds = { medium: Number(f.medium), cloud: Number(f.cloud) };
  if (f.estimator) variant.estimator = f.estimator;
  if (Object.keys(variant).length === 0) return 'Change the thresholds or the estimator: the variant must differ from the main policy.';
  return { share: share / 100, variant, ...(f.name.trim() ? { name: f.name.trim() } : {}) };
}

/** The form (no experiment running) or the running experiment with a Stop button. */
export function ExperimentForm({
  experiment,
  thresholds,
  onStart,
  onStop,
}: {
  experiment: ExperimentDto | null;
  /** The main policy's thresholds: the variant's start from them. */
  thresholds: { medium: number; cloud: number };
  onStart(body: ExperimentStart): Promise<void>;
  onStop(): Promise<void>;
}) {
  const [name, setName] = useState('');
  const [sharePct, setSharePct] = useState('50');
  const [changeThresholds, setChangeThresholds] = useState(true);
  const [medium, setMedium] = useState(String(thresholds.medium));
  const [cloud, setCloud] = useState(String(thresholds.cloud));
  const [estimator, setEstimator] = useState<'' | 'learned' | 'rules'>('');
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  if (experiment?.status === 'running') {
    return (
      <div>
        <p data-testid="experiment-running">
          Running: “{experiment.name}”. The variant ({describeVariant(experiment.variant)}) decides {formatPercent(experiment.share)} of
          conversations. Compare the arms and adopt one on the <a href="#/dashboard">Dashboard</a>.
        </p>
        <div className="form-actions">
          <Button
            disabled={busy}
            onClick={() => {
              setBusy(true);
              void onStop().finally(() => setBusy(false));
            }}
          >
            Stop the experiment
          </Button>
        </div>
      </div>
    );
  }

  return (
    <form
      className="experiment-form"
      onSubmit={(e) => {
        e.preventDefault();
        const body = experimentStartFrom({ name, sharePct, changeThresholds, medium, cloud, estimator });
        if (typeof body === 'string') {
          setProblem(body);
          return;
        }
        setProblem(null);
        setBusy(true);
        void onStart(body).finally(() => setBusy(false));
      }}
    >
      <div className="grid-2">
        <div className="money-field">
          <label htmlFor="exp-name">Name (optional)</label>
          <input id="exp-name" value={name} onChange={(e) => setName(e.target.value)} placeholder="e.g. cheaper thresholds" />
        </div>
        <div className="money-field">
          <label htmlFor="exp-share">Share of conversations for the variant (%)</label>
          <input id="exp-share" inputMode="decimal" value={sharePct} onChange={(e) => setSharePct(e.target.value)} />
        </div>
      </div>
      <label className="checkbox-line">
        <input type="checkbox" checked={changeThresholds} onChange={(e) => setChangeThresholds(e.target.checked)} /> Other thresholds
      </label>
      {changeThresholds && (
        <div className="grid-2">
          <div className="money-field">
            <label htmlFor="exp-medium">Variant’s medium cut-off</label>
            <input id="exp-medium" inputMode="decimal" value={medium} onChange={(e) => setMedium(e.target.value)} />
          </div>
          <div className="money-field">
            <label htmlFor="exp-cloud">Variant’s cloud cut-off</label>
            <input id="exp-cloud" inputMode="decimal" value={cloud} onChange={(e) => setCloud(e.target.value)} />
          </div>
        </div>
      )}
      <div className="money-field">
        <label htmlFor="exp-estimator">Variant’s estimator</label>
        <select id="exp-estimator" value={estimator} onChange={(e) => setEstimator(e.target.value as '' | 'learned' | 'rules')}>
          <option value="">Same as the main policy</option>
          <option value="learned">Learned model</option>
          <option value="rules">Hand-written rules</option>
        </select>
      </div>
      {problem && (
        <p className="error-text small" role="alert">
          {problem}
        </p>
      )}
      <div className="form-actions">
        <Button variant="primary" type="submit" disabled={busy}>
          Start the experiment
        </Button>
      </div>
    </form>
  );
}
