// One model download: progress bar with bytes, rate and time left, and a cancel button.
import type { DownloadProgress as Progress } from '../../../../router-core/contracts/events';
import { Button } from '../../components/Button';
import { formatBytes, formatDuration, formatRate } from '../../lib/format';

/** True while the download still runs. */
export function isActive(p: Progress | null | undefined): boolean {
  return !!p && (p.state === 'queued' || p.state === 'downloading' || p.state === 'verifying');
}

/** The line under the bar: "1.2 GB of 4.1 GB · 12 MB/s · 3 min 05 s left". */
export function progressText(p: Progress): string {
  const parts = [`${formatBytes(p.bytes)} of ${formatBytes(p.totalBytes)}`];
  if (p.state === 'verifying') parts[0] = `Checking the file: ${parts[0]}`;
  if (p.state === 'queued') return 'Waiting to start…';
  if (p.bytesPerSecond !== null) parts.push(formatRate(p.bytesPerSecond));
  if (p.etaSeconds !== null) parts.push(`${formatDuration(p.etaSeconds * 1000)} left`);
  return parts.join(' · ');
}

export function DownloadProgress({ p, label, onCancel }: { p: Progress; label: string; onCancel(): void }) {
  const fraction = p.totalBytes > 0 ? Math.min(1, p.bytes / p.totalBytes) : 0;
  return (
    <div className="download" data-testid={`download-${p.modelId}`}>
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
        <span className="muted small" data-testid={`download-text-${p.modelId}`}>
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
