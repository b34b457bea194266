// Settings: Claude key, routing thresholds with live preview, local-only, a routing experiment, budget caps, history, the localhost API.
import { useEffect, useState, type ReactNode } from 'react';
import { api, ApiError } from '../../api/client';
import { invalidate, useApi, useClaudeKey, useSettings } from '../../api/queries';
import type { ExperimentDto, ScheduleDto, ScheduleNowDto, SettingsDto, SettingsUpdate } from '../../api/types';
import { Button } from '../../components/Button';
import { Dialog } from '../../components/Dialog';
import { Notice } from '../../components/Notice';
import { Spinner } from '../../components/Spinner';
import { Switch } from '../../components/Switch';
import { ApiAccess } from './ApiAccess';
import { BudgetFields } from './BudgetFields';
import { CloudProviders } from './CloudProviders';
import { ExperimentForm, type ExperimentStart } from './ExperimentForm';
import { HistoryExport } from './HistoryExport';
import { KeyField } from './KeyField';
import { ScheduleForm } from './ScheduleForm';
import { ThresholdPreview } from './ThresholdPreview';

function Section({ id, title, description, children }: { id: string; title: string; description?: string; children: ReactNode }) {
  return (
    <section className="card settings-section" aria-labelledby={id}>
      <h2 id={id} className="card-title">
        {title}
      </h2>
      {description && <p className="muted section-desc">{description}</p>}
      {children}
    </section>
  );
}

export default function SettingsView() {
  const settings = useSettings();
  const key = useClaudeKey();
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [confirmDelete, setConfirmDelete] = useState(false);
  useEffect(() => {
    if (!saved) return;
    // Long enough to read a short sentence; the live region has already announced it.
    const t = setTimeout(() => setSaved(null), 4000);
    return () => clearTimeout(t);
  }, [saved]);

  const update = async (patch: SettingsUpdate, what: string): Promise<void> => {
    setError(null);
    try {
      const s = await api<SettingsDto>('PUT', '/api/v1/settings', patch);
      settings.set(s);
      setSaved(what);
      invalidate('/api/v1/stats');
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    }
  };

  const routingSettings = useApi<{ schedule: ScheduleDto | null; schedule_now: ScheduleNowDto | null }>('/api/v1/routing/settings');
  const saveSchedule = async (schedule: ScheduleDto | null): Promise<void> => {
    setError(null);
    try {
      await api('PUT', '/api/v1/routing/settings', { schedule });
      routingSettings.reload();
      invalidate('/api/v1/stats');
      setSaved(schedule ? 'Schedule saved' : 'Schedule turned off');
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    }
  };

  const experiment = useApi<{ experiment: ExperimentDto | null }>('/api/v1/routing/experiment');
  const changeExperiment = async (method: 'PUT' | 'DELETE', body: ExperimentStart | undefined, what: string): Promise<void> => {
    setError(null);
    try {
      await api(method, '/api/v1/routing/experiment', body);
      experiment.reload();
      setSaved(what);
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    }
  };

  const deleteHistory = async (): Promise<void> => {
    setConfirmDelete(false);
    try {
      const r = await api<{ deleted: { conversations: number; messages: number } }>('DELETE', '/api/v1/history');
      setSaved(`Deleted ${r.deleted.conversations} conversations and ${r.deleted.messages} messages`);
      invalidate('/api/v1/conversations');
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    }
  };

  const s = settings.data;
  const keyUnavailable =
    key.error?.status === 404
      ? 'This core cannot store a key yet: start it with ANTHROPIC_API_KEY set to use Claude.'
      : key.error
        ? `Could not check the Claude key: ${key.error.message}`
        : undefined;

  return (
    <div className="page">
      <header className="page-head">
        <div>
          <h1>Settings</h1>
          <p className="muted">Changes apply to the next request; nothing needs a restart.</p>
        </div>
      </header>
      <div className="toast-area" aria-live="polite">
        {saved && (
          <div className="toast" data-testid="saved-toast">
            {saved === 'ok' ? 'Saved' : saved}
            <button type="button" className="toast-close" aria-label="Dismiss" onClick={() => setSaved(null)}>
              ×
            </button>
          </div>
        )}
      </div>
      {error && (
        <Notice tone="error" title="Not saved">
          {error}
        </Notice>
      )}
      {settings.error && !s && (
        <Notice tone="error" title="Could not load settings">
          {settings.error.message}
        </Notice>
      )}
      {!s ? (
        <div className="center-pad">
          <Spinner label="Loading settings" />
        </div>
      ) : (
        <div className="page-body settings">
          <Section
            id="set-key"
            title="Claude"
            description="Used only for prompts the router sends to the cloud, and when you pick a Claude model."
          >
            <KeyField status={key.data} unavailable={keyUnavailable} onChange={(k) => key.set(k)} />
          </Section>

          <Section
            id="set-cloud"
            title="Cloud providers"
            description="Which cloud answers the prompts the router sends to the cloud, and which one takes over when it fails. Claude stays first where its key is set, unless you choose another."
          >
            <CloudProviders />
          </Section>

          <Section
            id="set-routing"
            title="Routing"
            description="Each prompt gets a complexity score from 0 to 1. These thresholds decide which scores go to which model."
          >
            <ThresholdPreview
              saved={s.thresholds}
              defaults={s.default_thresholds}
              knob={s.quality_cost}
              onSave={(t) => update({ thresholds: t }, 'Thresholds saved')}
            />
            <hr className="divider" />
            <Switch
              label="Local only"
              description="Never send anything to the cloud; every prompt is answered on this computer."
              checked={s.local_only}
              onChange={(v) => void update({ local_only: v }, v ? 'Local only is on' : 'Local only is off')}
            />
          </Section>

          <Section
            id="set-experiment"
            title="Routing experiment"
            description="Try a second routing policy on a share of conversations (each chat stays with one policy), then compare the two on the Dashboard and adopt the better one."
          >
            {experiment.data && (
              <ExperimentForm
                experiment={experiment.data.experiment}
                thresholds={s.thresholds}
                onStart={(b) => changeExperiment('PUT', b, 'Experiment started')}
                onStop={() => changeExperiment('DELETE', undefined, 'Experiment stopped')}
              />
            )}
          </Section>

          <Section
            id="set-schedule"
            title="Schedule"
            description="Time-based routing: local-only hours (nothing leaves this computer), or hours when the cloud is allowed."
          >
            {routingSettings.data && (
              <ScheduleForm
                key={JSON.stringify(routingSettings.data.schedule)}
                schedule={routingSettings.data.schedule}
                now={routingSettings.data.schedule_now}
                onSave={saveSchedule}
              />
            )}
          </Section>

          <Section
            id="set-budget"
            title="Cloud budget"
            description="When a cap is reached, prompts stay on local models until the day or month resets."
          >
            <BudgetFields settings={s} onSave={(caps) => update(caps, 'Budget caps saved')} />
          </Section>

          <Section id="set-history" title="History" description="Conversations are kept in the local database on this computer only.">
            <Switch
              label="Keep history"
              description="Save conversations so you can come back to them and search them. With history off no prompt or answer is kept readable: no conversations, and the response cache stores answers sealed under a key only the same request can rebuild (semantic matching is off; turning history off empties the cache)."
              checked={s.history_enabled}
              onChange={(v) => void update({ history_enabled: v }, v ? 'History is on' : 'History is off')}
            />
            <div className="form-actions">
              <HistoryExport onDone={setSaved} onError={setError} />
              <Button variant="danger" icon="trash" onClick={() => setConfirmDelete(true)}>
                Delete all history
              </Button>
            </div>
          </Section>

          <Section
            id="set-api"
            title="Local API"
            description="Other apps on this computer can use the same router through OpenAI-, Ollama- and Anthropic-compatible endpoints."
          >
            <ApiAccess
              access={s.api}
              onRegenerated={() => {
                setSaved('New token created; the old one no longer works');
                settings.reload();
              }}
            />
            <Switch
              label="Let the Ollama CLI in without a token"
              description="The Ollama command line (OLLAMA_HOST=… ollama run auto) cannot send a token. On: the Ollama-compatible routes answer programs on this computer that send none. Off by default."
              checked={s.api.ollama_without_token}
              onChange={(v) =>
                void update(
                  { ollama_without_token: v },
                  v ? 'Ollama routes open to this computer without a token' : 'Ollama routes need the token',
                )
              }
            />
            {s.api.ollama_without_token_warning && (
              <Notice tone="warn" title="Any program on this computer can use the Ollama routes">
                {s.api.ollama_without_token_warning}
              </Notice>
            )}
          </Section>
        </div>
      )}
      <Dialog open={confirmDelete} title="Delete all history?" onClose={() => setConfirmDelete(false)}>
        <p>
          Every conversation and the text of every past request will be deleted. Costs and statistics stay. To keep a copy, use “Export all
          history” first.
        </p>
        <div className="dialog-actions">
          <Button onClick={() => setConfirmDelete(false)}>Cancel</Button>
          <Button variant="danger" onClick={() => void deleteHistory()}>
            Delete everything
          </Button>
        </div>
      </Dialog>
    </div>
  );
}
