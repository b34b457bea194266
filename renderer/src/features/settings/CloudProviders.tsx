// Cloud providers: which cloud answers hard prompts first, the fallback order, each provider's key (saved and tested by the
// core), and the setup of an OpenAI-compatible cloud and of Vertex AI.
import { useState } from 'react';
import { api } from '../../api/client';
import { invalidate, useCloud } from '../../api/queries';
import { useAction } from '../../api/useAction';
import type { ClaudeKeyStatus, CloudProvider, CloudProviderDto, CloudSettingsDto } from '../../api/types';
import { Button } from '../../components/Button';
import { Notice } from '../../components/Notice';
import { CompatSetupForm, VertexSetupForm } from './CloudSetupForms';

/** Where each provider's key is made (shown beside its key field). */
const keyHelp: Record<CloudProvider, string> = {
  anthropic: 'console.anthropic.com → API keys',
  openai: 'platform.openai.com → API keys',
  gemini: 'aistudio.google.com → Get API key',
  compat: 'your provider’s dashboard (leave it empty for a server that needs none)',
};

/**
 * One provider's key: "Configured ••••1234" or a field; saving asks the core to store it and try one token with it. A
 * provider that is set up but cannot answer now (unreachable, or its model refused) says so with the core's reason.
 */
export function ProviderKey({ p, onSaved }: { p: CloudProviderDto; onSaved(): void }) {
  const [key, setKey] = useState('');
  const { busy, error, run } = useAction();
  const [tested, setTested] = useState<ClaudeKeyStatus['test'] | null>(null);
  const id = `cloud-key-${p.provider}`;

  const save = () =>
    run(async () => {
      const s = await api<ClaudeKeyStatus>('PUT', `/api/v1/cloud/keys/${p.provider}`, { key: key.trim() });
      setKey('');
      setTested(s.test ?? null);
      onSaved();
    });
  const remove = () =>
    run(async () => {
      await api('DELETE', `/api/v1/cloud/keys/${p.provider}`);
      setTested(null);
      onSaved();
    });

  return (
    <div className="key-field" data-testid={`cloud-provider-${p.provider}`}>
      <h3 className="small">{p.name}</h3>
      {p.provider === 'gemini' && <VertexSetupForm p={p} onSaved={onSaved} />}
      {p.provider === 'compat' && <CompatSetupForm p={p} onSaved={onSaved} />}
      {p.configured && !p.available && p.reason && (
        <div data-testid={`cloud-unavailable-${p.provider}`}>
          <Notice tone="warn" title={`${p.name} cannot answer now`}>
            {`${p.reason.replace(/\.$/, '')}. Hard prompts go to the next cloud in the order below meanwhile.`}
          </Notice>
        </div>
      )}
      {p.key.configured && (
        <div className="key-configured">
          <span className={`key-dot${p.key.last_error ? ' key-dot-bad' : ''}`} aria-hidden="true" />
          <span>
            Configured{' '}
            <span className="mono" data-testid={`cloud-key-mask-${p.provider}`}>
              ••••{p.key.last4 ?? ''}
            </span>
            {p.key.store === 'env' && <span className="muted small"> · from the environment</span>}
          </span>
          {p.key.store !== 'env' && (
            <span className="key-actions">
              <Button size="sm" variant="danger" onClick={() => void remove()} disabled={busy}>
                Remove
              </Button>
            </span>
          )}
        </div>
      )}
      {tested && (
        <div data-testid={`cloud-key-test-${p.provider}`}>
          {tested.ok ? (
            <p className="key-test-ok small">{p.name} accepted the key (a one-token test call answered).</p>
          ) : (
            // A key the provider refuses is never saved (the save fails with the reason); this one could not be tried now.
            <Notice tone="warn" title="Saved, but not checked">
              {`The test call failed: ${tested.message} ${p.name} will be tried with the key on the next cloud prompt.`}
            </Notice>
          )}
        </div>
      )}
      {p.key.store !== 'env' && (
        <form
          className="key-form"
          onSubmit={(e) => {
            e.preventDefault();
            if (key.trim()) void save();
          }}
        >
          <label htmlFor={id}>{p.key.configured ? `New ${p.name} API key` : `${p.name} API key`}</label>
          <div className="input-row">
            <input id={id} type="password" autoComplete="off" spellCheck={false} value={key} onChange={(e) => setKey(e.target.value)} />
            <Button variant="primary" type="submit" disabled={busy || !key.trim()}>
              Save and test
            </Button>
          </div>
          <p className="muted small">Create one at {keyHelp[p.provider]}. Saved by the core in your system keychain.</p>
        </form>
      )}
      {error && <Notice tone="error">{error.message}</Notice>}
    </div>
  );
}

/** The cloud section: first choice, fallback order, and the keys of the providers besides Claude (Claude's is above). */
export function CloudProviders() {
  const cloud = useCloud();
  const { error, run } = useAction();
  const c = cloud.data;

  const put = (patch: { first_choice?: CloudProvider | null; fallback_order?: CloudProvider[] }) =>
    run(async () => {
      cloud.set(await api<CloudSettingsDto>('PUT', '/api/v1/cloud', patch));
      invalidate('/api/v1/models');
    });
  const refresh = (): void => {
    cloud.reload();
    invalidate('/api/v1/models');
  };

  if (!c) return cloud.error ? <Notice tone="error">{cloud.error.message}</Notice> : <p className="muted">Checking…</p>;
  const name = (p: CloudProvider): string => c.providers.find((x) => x.provider === p)?.name ?? p;
  const moveUp = (i: number): void => {
    const order = [...c.fallback_order];
    [order[i - 1], order[i]] = [order[i]!, order[i - 1]!];
    void put({ fallback_order: order });
  };
  return (
    <div className="cloud-providers">
      <div className="field">
        <label htmlFor="cloud-first-choice">Hard prompts go first to</label>
        <select
          id="cloud-first-choice"
          value={c.first_choice}
          onChange={(e) => void put({ first_choice: e.target.value as CloudProvider })}
        >
          {c.providers.map((p) => (
            <option key={p.provider} value={p.provider}>
              {p.name}
              {p.configured ? '' : ' (not set up)'}
            </option>
          ))}
        </select>
      </div>
      <p className="small" data-testid="cloud-status">
        {c.status.available
          ? `The cloud can answer now (${name(c.status.provider!)}, ${c.status.model}).`
          : `The cloud cannot answer now: ${c.status.reason}.`}
      </p>
      {c.fallback_order.length > 0 && (
        <div data-testid="cloud-fallback-order">
          <p className="small">If {name(c.first_choice)} fails before answering, the next is tried:</p>
          <ol className="small">
            {c.fallback_order.map((p, i) => (
              <li key={p}>
                {name(p)}{' '}
                {i > 0 && (
                  <Button size="sm" onClick={() => moveUp(i)} aria-label={`Move ${name(p)} up`}>
                    ↑
                  </Button>
                )}
              </li>
            ))}
          </ol>
        </div>
      )}
      {c.providers
        .filter((p) => p.provider !== 'anthropic')
        .map((p) => (
          <ProviderKey key={p.provider} p={p} onSaved={refresh} />
        ))}
      {error && <Notice tone="error">{error.message}</Notice>}
    </div>
  );
}
