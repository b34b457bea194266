// Models: the machine's tier and why, each route's models (present/missing, size, download, delete), disk, engines, answers at once.
import { useEffect, useState } from 'react';
import { api, ApiError } from '../../api/client';
import { subscribeSse } from '../../api/events';
import { invalidate, useApi, useModels } from '../../api/queries';
import type { DownloadProgressDto as Progress, EngineInUseDto, LocalModelRow, LocalModelsDto, Route, SystemDto } from '../../api/types';
import { Button } from '../../components/Button';
import { Dialog } from '../../components/Dialog';
import { Notice } from '../../components/Notice';
import { Spinner } from '../../components/Spinner';
import { formatBytes } from '../../lib/format';
import { ParallelCard } from './ParallelCard';
import { DownloadProgress, isActive } from './DownloadProgress';

/** A download error in words a person can act on (the core passes the system's code through, e.g. ENOTFOUND). */
export function downloadFailure(message: string | undefined): string {
  const m = message ?? '';
  if (/ENOTFOUND|EAI_AGAIN|getaddrinfo/.test(m)) return 'the download server could not be reached (is this computer online?)';
  if (/ECONNREFUSED|ECONNRESET|ETIMEDOUT|socket hang up/i.test(m)) return 'the connection to the download server broke off';
  if (/ENOSPC/.test(m)) return 'the disk is full';
  if (/sha256|checksum/i.test(m)) return 'the file did not match its checksum, so it was not kept';
  return m || 'unknown error';
}

const routeHelp: Record<Exclude<Route, 'cloud'>, string> = {
  small: 'Simple prompts: greetings, facts, short rewrites',
  medium: 'Everyday tasks: explanations, summaries, small code',
  large: 'Harder work the machine can still run locally',
};

const engineKinds: Record<EngineInUseDto['kind'], string> = {
  embedded: 'Embedded llama.cpp',
  'system-ollama': 'System Ollama',
  'bundled-ollama': 'Bundled Ollama',
  'openai-compat': 'OpenAI-compatible server',
  cloud: 'Cloud',
};

/** A cloud engine by the provider it calls: every cloud engine has kind "cloud", so the kind alone named them all Claude. */
const cloudNames: Partial<Record<EngineInUseDto['id'], string>> = {
  anthropic: 'Claude (cloud)',
  openai: 'OpenAI (cloud)',
  gemini: 'Google Gemini (cloud)',
  'cloud-compat': 'OpenAI-compatible cloud',
};

/** How the Models screen names an engine. */
export function engineLabel(e: Pick<EngineInUseDto, 'id' | 'kind'>): string {
  return (e.kind === 'cloud' ? cloudNames[e.id] : undefined) ?? engineKinds[e.kind] ?? e.id;
}

function ramText(mib: number): string {
  return `${(mib / 1024).toFixed(mib < 10_240 ? 1 : 0)} GB RAM`;
}

function Machine({ s }: { s: SystemDto }) {
  const h = s.hardware;
  const facts: string[] = [];
  if (h) {
    if (h.total_ram_mib.known) facts.push(`${ramText(h.total_ram_mib.value)}`);
    if (h.cpu_cores.known) facts.push(`${h.cpu_cores.value} CPU cores`);
    if (h.gpus.known) facts.push(h.gpus.value.length ? h.gpus.value.map((g) => g.model).join(', ') : 'no GPU');
    if (h.disk_free_mib.known) facts.push(`${formatBytes(h.disk_free_mib.value * 1024 * 1024)} free`);
    facts.push(`${h.platform}/${h.arch}`);
  }
  return (
    <section className="card machine" aria-labelledby="machine-title">
      <div className="machine-tier" aria-hidden="true">
        <span className="machine-tier-num">{s.tier.tier}</span>
        <span className="machine-tier-label">tier</span>
      </div>
      <div>
        <h2 id="machine-title" className="card-title">
          This computer is tier {s.tier.tier} of 4
        </h2>
        <p className="machine-reason">{s.tier.reason}</p>
        {s.tier.overridden && (
          <p className="muted small">
            Set by you; detection alone would pick tier {s.detected_tier.tier} ({s.detected_tier.reason}).
          </p>
        )}
        {facts.length > 0 && <p className="muted small">{facts.join(' · ')}</p>}
        {h?.notes.map((n) => (
          <p key={n} className="muted small">
            {n}
          </p>
        ))}
      </div>
    </section>
  );
}

function ModelRow({
  m,
  recommended,
  reason,
  servedBy,
  onPull,
  onCancel,
  onDelete,
}: {
  m: LocalModelRow;
  recommended: boolean;
  /** Why it is this tier's pick on its rung ("best small model in 4 GB …"). */
  reason?: string;
  /** HYBRID_AI_LOCAL_MODEL is set: the file that really answers for this model. */
  servedBy?: { path: string; name: string } | null;
  onPull(): void;
  onCancel(): void;
  onDelete(): void;
}) {
  const d = m.download;
  const active = isActive(d);
  return (
    <li className="model-row" data-testid={`model-${m.id}`}>
      <div className="model-info">
        <div className="model-name">
          {m.label}
          {recommended && <span className="chip chip-accent">Recommended</span>}
        </div>
        {recommended && reason && (
          <div className="small model-reason" data-testid={`reason-${m.id}`} title={m.evidence?.source}>
            {reason}
          </div>
        )}
        <div className="muted small model-meta">
          <span>{formatBytes(m.size_bytes)}</span>
          <span>{m.quantization}</span>
          <span>needs {ramText(m.ram_mib)}</span>
          <span>{m.context_length.toLocaleString('en-US')} tokens context</span>
          {m.licence_permissive === false ? (
            <span className="chip chip-warn" data-testid={`licence-${m.id}`} title={m.licence_url}>
              {m.licence}
            </span>
          ) : (
            <span data-testid={`licence-${m.id}`}>{m.licence}</span>
          )}
          {m.ollama_note && <span title={m.ollama_note}>{m.ollama_note}</span>}
        </div>
      </div>
      <div className="model-side">
        {active && d ? (
          <DownloadProgress p={d} label={m.label} onCancel={onCancel} />
        ) : m.present ? (
          <>
            <span className="status status-ok" data-testid={`status-${m.id}`}>
              Installed · {formatBytes(m.bytes_on_disk)}
            </span>
            <Button size="sm" variant="danger" icon="trash" onClick={onDelete} aria-label={`Delete ${m.label}`}>
              Delete
            </Button>
          </>
        ) : (
          <>
            {servedBy && (
              <span className="status status-ok" data-testid={`served-${m.id}`} title={servedBy.path}>
                Answered by {servedBy.name} (HYBRID_AI_LOCAL_MODEL) ·
              </span>
            )}
            <span
              className={`status ${d?.state === 'failed' ? 'status-failed' : 'status-missing'}`}
              data-testid={`status-${m.id}`}
              role={d?.state === 'failed' ? 'alert' : undefined}
            >
              {d?.state === 'failed'
                ? `Download failed: ${downloadFailure(d.message)}`
                : m.partial_bytes > 0
                  ? `Paused at ${formatBytes(m.partial_bytes)}`
                  : 'Not installed'}
            </span>
            <Button
              size="sm"
              variant={servedBy ? 'secondary' : 'primary'}
              icon={d?.state === 'failed' ? 'retry' : 'download'}
              onClick={onPull}
              aria-label={`${d?.state === 'failed' ? 'Retry the download of' : 'Download'} ${m.label}`}
            >
              {d?.state === 'failed' ? 'Retry' : m.partial_bytes > 0 ? 'Resume' : 'Download'}
            </Button>
          </>
        )}
      </div>
    </li>
  );
}

/** why 2 s: answers on a local model last seconds, so a slower refresh misses most of them; GET /api/v1/system takes a few ms. */
export const SYSTEM_REFRESH_MS = 2_000;

export default function ModelsView() {
  const system = useApi<SystemDto>('/api/v1/system');
  const local = useApi<LocalModelsDto>('/api/v1/models/local');
  const catalog = useModels();
  const [live, setLive] = useState<Record<string, Progress>>({});
  const [error, setError] = useState<string | null>(null);
  const [confirm, setConfirm] = useState<LocalModelRow | null>(null);
  const reloadSystem = system.reload;

  // The "Answers at once" card shows what answers and what waits now: read the core's state again while the screen is
  // open, or it keeps the numbers of the moment the screen opened (a busy engine shown as idle, and the other way).
  useEffect(() => {
    const timer = setInterval(reloadSystem, SYSTEM_REFRESH_MS);
    return () => clearInterval(timer);
  }, [reloadSystem]);

  useEffect(() => {
    const ac = new AbortController();
    void subscribeSse(
      '/api/v1/downloads/events',
      (event, data) => {
        if (event !== 'download') return;
        const p = data as Progress;
        setLive((prev) => ({ ...prev, [p.model_id]: p }));
        if (p.state === 'done' || p.state === 'failed' || p.state === 'cancelled') {
          invalidate('/api/v1/models');
          invalidate('/api/v1/system');
        }
      },
      ac.signal,
    );
    return () => ac.abort();
  }, []);

  const act = async (fn: () => Promise<unknown>): Promise<void> => {
    setError(null);
    try {
      await fn();
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    }
  };
  const pull = (m: LocalModelRow) =>
    act(async () => {
      const r = await api<{ download: Progress }>('POST', `/api/v1/models/${encodeURIComponent(m.id)}/pull`);
      setLive((prev) => ({ ...prev, [m.id]: r.download }));
    });
  const cancel = (m: LocalModelRow) => act(() => api('DELETE', `/api/v1/downloads/${encodeURIComponent(m.id)}`));
  const remove = (m: LocalModelRow) =>
    act(async () => {
      setConfirm(null);
      await api('DELETE', `/api/v1/models/${encodeURIComponent(m.id)}`);
      invalidate('/api/v1/models');
      invalidate('/api/v1/system');
    });

  const s = system.data;
  const rows = (local.data?.models ?? []).map((m) => ({ ...m, download: live[m.id] ?? m.download }));
  const unavailable = system.error?.status === 404 || local.error?.status === 404;
  const cloud = catalog.data?.engines.anthropic;

  return (
    <div className="page">
      <header className="page-head">
        <div>
          <h1>Models</h1>
          <p className="muted">The models this computer runs, which prompts each one answers, and the engines that run them.</p>
        </div>
      </header>
      {error && (
        <Notice tone="error" title="That did not work">
          {error}
        </Notice>
      )}
      {unavailable && <Notice tone="info">This core does not manage model files; models come from Ollama or HYBRID_AI_LOCAL_MODEL.</Notice>}
      {!s && !unavailable ? (
        <div className="center-pad">
          <Spinner label="Loading models" />
        </div>
      ) : (
        <div className="page-body">
          {s && <Machine s={s} />}
          {local.data && (
            <section className="card" aria-labelledby="local-title">
              <div className="card-head">
                <h2 id="local-title" className="card-title">
                  Local models
                </h2>
                <span className="muted small" data-testid="disk-used">
                  {formatBytes(local.data.disk_used_bytes)} used
                  {local.data.disk_free_bytes !== null ? ` · ${formatBytes(local.data.disk_free_bytes)} free` : ''}
                </span>
              </div>
              {local.data.local_model_file && (
                <div data-testid="local-model-file">
                  <Notice tone="info" title={`Every local model is answered by ${local.data.local_model_file.name}`}>
                    HYBRID_AI_LOCAL_MODEL points to <code>{local.data.local_model_file.path}</code>
                    {local.data.local_model_file.size_bytes !== null ? ` (${formatBytes(local.data.local_model_file.size_bytes)})` : ''}.
                    Answers labelled with the names below come from this one file; the catalog files are not needed.
                  </Notice>
                </div>
              )}
              <div className="ladder">
                {(['small', 'medium', 'large'] as const).map((r) => {
                  const list = rows.filter((m) => m.ladder_route === r);
                  if (list.length === 0) return null;
                  return (
                    <section key={r} className="ladder-rung" aria-labelledby={`rung-${r}`}>
                      <div className="rung-head">
                        <h3 id={`rung-${r}`}>
                          <span className={`route-pill route-${r}`}>{r}</span>
                        </h3>
                        <span className="muted small">{routeHelp[r]}</span>
                      </div>
                      <ul className="model-rows">
                        {list.map((m) => (
                          <ModelRow
                            key={m.id}
                            m={m}
                            recommended={s?.recommended.includes(m.id) ?? false}
                            reason={s?.recommendations?.find((x) => x.id === m.id)?.reason}
                            servedBy={local.data?.local_model_file}
                            onPull={() => void pull(m)}
                            onCancel={() => void cancel(m)}
                            onDelete={() => setConfirm(m)}
                          />
                        ))}
                      </ul>
                    </section>
                  );
                })}
                <section className="ladder-rung" aria-labelledby="rung-cloud">
                  <div className="rung-head">
                    <h3 id="rung-cloud">
                      <span className="route-pill route-cloud">cloud</span>
                    </h3>
                    <span className="muted small">The hardest prompts, when Claude is available</span>
                  </div>
                  <ul className="model-rows">
                    <li className="model-row">
                      <div className="model-info">
                        <div className="model-name">Claude (Anthropic)</div>
                        <div className="muted small">Paid per token; used only when the router or you choose it.</div>
                      </div>
                      <div className="model-side">
                        {cloud?.ok ? (
                          <span className="status status-ok">Ready</span>
                        ) : (
                          <span className="status status-missing">
                            {cloud?.reason ?? 'Not configured'} · <a href="#/settings">Add a key</a>
                          </span>
                        )}
                      </div>
                    </li>
                  </ul>
                </section>
              </div>
            </section>
          )}
          {s?.parallel && <ParallelCard p={s.parallel} />}
          {s && (
            <section className="card" aria-labelledby="engines-title">
              <h2 id="engines-title" className="card-title">
                Engines
              </h2>
              <ul className="engine-list">
                {s.engines.map((e) => (
                  <li key={e.id} className="engine-row" data-testid={`engine-${e.id}`}>
                    <span className={`dot ${e.ok ? 'dot-ok' : 'dot-off'}`} aria-hidden="true" />
                    <span className="model-name">{engineLabel(e)}</span>
                    <span className="muted small">
                      {e.ok ? `in use · ${e.models.length} model${e.models.length === 1 ? '' : 's'} ready` : (e.reason ?? 'not available')}
                      {e.url ? ` · ${e.url}` : ''}
                    </span>
                  </li>
                ))}
              </ul>
            </section>
          )}
        </div>
      )}
      <Dialog open={confirm !== null} title={`Delete ${confirm?.label ?? 'this model'}?`} onClose={() => setConfirm(null)}>
        <p>
          This frees {formatBytes(confirm?.bytes_on_disk ?? 0)}. You can download it again later; prompts for its route go to another model
          meanwhile.
        </p>
        <div className="dialog-actions">
          <Button onClick={() => setConfirm(null)}>Cancel</Button>
          <Button variant="danger" onClick={() => confirm && void remove(confirm)}>
            Delete model
          </Button>
        </div>
      </Dialog>
    </div>
  );
}
