// One model download: progress bar with bytes, rate and time left, and a cancel button.
import type { DownloadProgressDto as Progress } from '../../api/types';
import { Button } from '../../components/Button';
import { formatBytes, formatDuration, formatRate } from '../../lib/format';

/** True while the download still runs. */
export function isActive(p: Progress | null | undefined): boolean {
  return !!p && (p.state === 'queued' || p.state === 'downloading' || p.state === 'verifying');
}

/** The line under the bar: "1.2 GB of 4.1 GB · 12 MB/s · 3 min 05 s left". */
export function progressText(p: Progress): string {
  const parts = [`${formatBytes(p.bytes)} of ${formatBytes(p.total_bytes)}`];
  if (p.state === 'verifying') parts[0] = `Checking the file: ${parts[0]}`;
  if (p.state === 'queued') return 'Waiting to start…';
  if (p.bytes_per_second !== null) parts.push(formatRate(p.bytes_per_second));
  if (p.eta_seconds !== null) parts.push(`${formatDuration(p.eta_seconds * 1000)} left`);
  return parts.join(' · ');
}

export function DownloadProgress({ p, label, onCancel }: { p: Progress; label: string; onCancel(): void }) {
  const fraction = p.total_bytes > 0 ? Math.min(1, p.bytes / p.total_bytes) : 0;
  return (
    <div className="download" data-testid={`download-${p.model_id}`}>
      <div
        className="progress"
        role="progressbar"
        aria-label={`Downloading ${label}`}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.round(fraction * 100)}
        aria-valuetext={progressText(p)}
      >
        <div className="progress-fill" style={{ width: `${fraction * 100}%` }} />
      </div>
      <div className="download-foot">
        <span className="muted small" data-testid={`download-text-${p.model_id}`}>
          {progressText(p)}
          {p.message ? ` · ${p.message}` : ''}
        </span>
        <Button size="sm" onClick={onCancel}>
          Cancel
        </Button>
      </div>
    </div>
  );
}
