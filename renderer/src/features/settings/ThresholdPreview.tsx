// Routing thresholds with a live preview: where a sample prompt would go with the thresholds being edited.
import { useEffect, useState } from 'react';
import { api, ApiError } from '../../api/client';
import type { ComplexityDto, Thresholds } from '../../api/types';
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

export function ThresholdPreview({
  saved,
  defaults,
  onSave,
}: {
  saved: Thresholds;
  defaults: Thresholds;
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
