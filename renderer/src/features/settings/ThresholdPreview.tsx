// Routing thresholds with a live preview: where a sample prompt would go with the thresholds being edited.
import { useEffect, useState } from 'react';
import { api, ApiError } from '../../api/client';
import type { ComplexityDto, QualityCostDto, QualityCostStop, Thresholds } from '../../api/types';
import { Button } from '../../components/Button';
import { formatScore } from '../../lib/format';
import { engineName } from '../chat/RouteBadge';

/** Wait after the last slider move or keystroke before asking the core, so dragging does not flood it. */
const PREVIEW_DEBOUNCE_MS = 150;

/** Slider step: finer than the estimator's meaningful resolution would be noise. */
const STEP = 0.01;

/** Keep 0 ≤ medium ≤ cloud ≤ 1 while one slider moves: the other one is pushed along. */
export function clampThresholds(t: Thresholds, moved: 'medium' | 'cloud'): Thresholds {
  const medium = Math.min(1, Math.max(0, t.medium));
  const cloud = Math.min(1, Math.max(0, t.cloud));
  if (medium <= cloud) return { medium, cloud };
  return moved === 'medium' ? { medium, cloud: medium } : { medium: cloud, cloud };
}

/** The knob stop nearest a cloud threshold (the slider's position for thresholds set by hand). */
export function nearestStop(stops: readonly QualityCostStop[], cloud: number): number {
  let best = 0;
  stops.forEach((k, i) => {
    if (Math.abs(k.cloud_threshold - cloud) < Math.abs(stops[best]!.cloud_threshold - cloud)) best = i;
  });
  return best;
}

const share = (x: number): string => `${Math.round(x * 100)}%`;

/**
 * Quality ↔ Cost: one slider over the knob's stops, from "more Claude" (left, higher quality) to "more local" (right,
 * lower cost); it moves the cloud threshold and says what each stop did on prompts the router was not trained on.
 */
function QualityCost({ knob, t, onPick }: { knob: QualityCostDto; t: Thresholds; onPick(cloud: number): void }) {
  const stops = knob.stops;
  const i = nearestStop(stops, t.cloud);
  const k = stops[i]!;
  return (
    <div className="slider-field quality-cost">
      <div className="slider-head">
        <label htmlFor="quality-cost">Quality ↔ Cost</label>
        <output htmlFor="quality-cost" data-testid="quality-cost-value">
          ~{share(k.cloud_share)} of prompts to Claude
          {knob.default_p_cloud === k.p_cloud ? ' (default)' : ''}
        </output>
      </div>
      <input
        id="quality-cost"
        type="range"
        min={0}
        max={stops.length - 1}
        step={1}
        value={i}
        aria-valuetext={`${share(k.cloud_share)} of prompts to Claude, ${share(k.under_routed)} sent to a model too weak for them`}
        aria-describedby="quality-cost-help"
        onChange={(e) => onPick(stops[Number(e.target.value)]!.cloud_threshold)}
      />
      <div className="slider-ends muted small" aria-hidden="true">
        <span>Quality: more Claude</span>
        <span>Cost: more local</span>
      </div>
      <p id="quality-cost-help" className="muted small" data-testid="quality-cost-help">
        Sends a prompt to Claude when the router is at least {share(k.p_cloud)} sure a local model would not do. On prompts from sources it
        never trained on, this sent {share(k.cloud_share)} to Claude and {share(k.under_routed)} to a model too weak for them (
        {share(k.over_routed)} went to a stronger model than needed).
      </p>
    </div>
  );
}

export function ThresholdPreview({
  saved,
  defaults,
  knob,
  onSave,
}: {
  saved: Thresholds;
  defaults: Thresholds;
  /** The Quality ↔ Cost knob, when the learned estimator is in use. */
  knob?: QualityCostDto;
  onSave(t: Thresholds): Promise<void>;
}) {
  const [t, setT] = useState<Thresholds>(saved);
  const [prompt, setPrompt] = useState('Write a Python function that merges two sorted lists, with tests.');
  const [preview, setPreview] = useState<ComplexityDto | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  // Follow the saved values, not the object: saving another section (the budget) reloads the settings as a new object,
  // and that must not throw away thresholds moved but not saved yet.
  useEffect(() => setT({ medium: saved.medium, cloud: saved.cloud }), [saved.medium, saved.cloud]);

  useEffect(() => {
    if (!prompt.trim()) {
      setPreview(null);
      return;
    }
    const ac = new AbortController();
    const timer = setTimeout(() => {
      api<ComplexityDto>('POST', '/api/v1/complexity', { prompt, thresholds: t }, ac.signal).then(
        (r) => {
          setPreview(r);
          setError(null);
        },
        (e: unknown) => {
          if (!ac.signal.aborted) setError(e instanceof ApiError ? e.message : String(e));
        },
      );
    }, PREVIEW_DEBOUNCE_MS);
    return () => {
      clearTimeout(timer);
      ac.abort();
    };
  }, [prompt, t]);

  const dirty = t.medium !== saved.medium || t.cloud !== saved.cloud;
  const slider = (which: 'medium' | 'cloud', label: string, help: string) => (
    <div className="slider-field">
      <div className="slider-head">
        <label htmlFor={`th-${which}`}>{label}</label>
        <output htmlFor={`th-${which}`} className="mono" data-testid={`th-${which}-value`}>
          {formatScore(t[which])}
        </output>
      </div>
      <input
        id={`th-${which}`}
        type="range"
        min={0}
        max={1}
        step={STEP}
        value={t[which]}
        aria-describedby={`th-${which}-help`}
        onChange={(e) => setT(clampThresholds({ ...t, [which]: Number(e.target.value) }, which))}
      />
      <p id={`th-${which}-help`} className="muted small">
        {help}
      </p>
    </div>
  );

  return (
    <div className="thresholds">
      {knob?.applies && knob.stops.length > 0 && (
        <QualityCost knob={knob} t={t} onPick={(cloud) => setT(clampThresholds({ ...t, cloud }, 'cloud'))} />
      )}
      <div className="grid-2">
        {slider('medium', 'Medium threshold', 'Prompts scoring at least this go to a bigger local model.')}
        {slider('cloud', 'Cloud threshold', 'Prompts scoring at least this go to Claude (when it is available).')}
      </div>
      <div className="band" aria-hidden="true">
        <span className="band-small" style={{ flexGrow: t.medium }} />
        <span className="band-medium" style={{ flexGrow: t.cloud - t.medium }} />
        <span className="band-cloud" style={{ flexGrow: 1 - t.cloud }} />
        {preview && <span className="band-marker" title="The sample prompt's score" style={{ left: `${preview.complexity * 100}%` }} />}
      </div>
      <label htmlFor="th-sample" className="field-label">
        Try a prompt
      </label>
      <textarea id="th-sample" rows={2} value={prompt} onChange={(e) => setPrompt(e.target.value)} />
      <div className="preview" aria-live="polite" data-testid="threshold-preview">
        {error ? (
          <span className="error-text">{error}</span>
        ) : preview && preview.route !== null && preview.engine !== null ? (
          <>
            <span className={`route-pill route-${preview.route}`}>{preview.route}</span>
            <span>
              {preview.recommended_model} on {engineName(preview.engine)} · complexity {formatScore(preview.complexity)}
            </span>
            <span className="muted small preview-reasons">{preview.reasons.join(' · ')}</span>
          </>
        ) : preview ? (
          // No model installed or reachable yet: the score and its band still show where the thresholds put this prompt.
          <>
            <span className="route-pill route-none">no model</span>
            <span>
              {preview.level} band · complexity {formatScore(preview.complexity)}
            </span>
            <span className="muted small preview-reasons">{preview.reasons.join(' · ')}</span>
          </>
        ) : (
          <span className="muted">Type a prompt to see where it would go.</span>
        )}
      </div>
      <div className="form-actions">
        <Button
          variant="primary"
          disabled={!dirty || saving}
          onClick={() => {
            setSaving(true);
            void onSave(t).finally(() => setSaving(false));
          }}
        >
          Save thresholds
        </Button>
        <Button disabled={t.medium === defaults.medium && t.cloud === defaults.cloud} onClick={() => setT(defaults)}>
          Reset to defaults
        </Button>
      </div>
    </div>
  );
}
