// Claude API key: typed once and saved through the core into the keychain; afterwards only "configured ••••1234".
import { useState } from 'react';
import { api } from '../../api/client';
import { invalidate } from '../../api/queries';
import { useAction } from '../../api/useAction';
import type { ClaudeKeyStatus } from '../../api/types';
import { Button } from '../../components/Button';
import { Dialog } from '../../components/Dialog';
import { Notice } from '../../components/Notice';

const storeNames: Record<ClaudeKeyStatus['store'], string> = {
  keychain: 'the system keychain',
  file: 'a private file in the data folder (no keychain available)',
  env: 'the ANTHROPIC_API_KEY environment variable',
};

/** Anthropic keys start with "sk-ant-"; anything else is almost surely a paste mistake, but the core decides. */
const KEY_HINT = /^sk-ant-/;

/**
 * `status` undefined while loading; `unavailable` when the core has no key endpoint (then the key can only come
 * from ANTHROPIC_API_KEY). `onChange` receives the new status from the core (never the key).
 */
/** The core's words for "the OS keychain cannot be used" (router-core/host/secrets.ts), with its technical cause. */
const KEYCHAIN_DOWN = /The OS keychain is unavailable: [^]*?(?:save it with \?store=file\.|\(mode 0600\) instead\.)/;

/** The core's words for "saved without a test" (router-core/gateway/secrets-api.ts checkKeyBeforeSaving). */
const UNCHECKED = /The key was saved but could not be checked: [^]*?accepts it\./;

/**
 * The core's key warning in plain words: the keychain problem is said without D-Bus or API details, and left out
 * entirely when the key comes from the environment (the keychain plays no part then). null when nothing is left.
 */
export function plainKeyWarning(status: ClaudeKeyStatus): string | null {
  // A save the core could not test says so in the key-test notice; the same words are not repeated here.
  const w = (status.warning ?? '').replace(UNCHECKED, '');
  const m = KEYCHAIN_DOWN.exec(w);
  if (!m) return w.trim() || null;
  const plain =
    status.store === 'env'
      ? ''
      : m[0].endsWith('instead.')
        ? 'This computer’s password keychain cannot be used, so the key is kept in a private file only your user account can read.'
        : 'This computer’s password keychain cannot be used (it is not running, is locked or is missing). The key can be kept in a private file only your user account can read instead.';
  return `${plain} ${w.replace(m[0], '')}`.replace(/\s+/g, ' ').trim() || null;
}

/** "just now", "5 minutes ago", "3 hours ago", "2 days ago": when a refusal was seen. */
export function formatWhenAgo(at: number, now: number): string {
  const min = Math.max(0, Math.round((now - at) / 60_000));
  if (min < 1) return 'just now';
  if (min < 60) return `${min} minute${min === 1 ? '' : 's'} ago`;
  const h = Math.round(min / 60);
  if (h < 24) return `${h} hour${h === 1 ? '' : 's'} ago`;
  const d = Math.round(h / 24);
  return `${d} day${d === 1 ? '' : 's'} ago`;
}

export function KeyField({
  status,
  unavailable,
  onChange,
}: {
  status: ClaudeKeyStatus | undefined;
  unavailable?: string;
  onChange(s: ClaudeKeyStatus): void;
}) {
  const [editing, setEditing] = useState(false);
  const [key, setKey] = useState('');
  const { busy, error, run } = useAction();
  /** The keychain refused (locked, no Secret Service): the core can keep the key in a 0600 file instead. */
  const [offerFile, setOfferFile] = useState(false);
  const [confirmRemove, setConfirmRemove] = useState(false);
  /** What Claude said to the key just saved (a one-token test call); null before a save or from an older core. */
  const [tested, setTested] = useState<ClaudeKeyStatus['test'] | null>(null);

  const save = (store?: 'file') =>
    run(
      async () => {
        setOfferFile(false);
        const s = await api<ClaudeKeyStatus>('PUT', `/api/v1/settings/claude-key${store ? `?store=${store}` : ''}`, { key: key.trim() });
        setKey('');
        setEditing(false);
        setTested(s.test ?? null);
        onChange(s);
        invalidate('/api/v1/models');
      },
      (e) => setOfferFile(e.kind === 'keychain-unavailable'),
    );

  const remove = () => {
    setConfirmRemove(false);
    return run(async () => {
      onChange(await api<ClaudeKeyStatus>('DELETE', '/api/v1/settings/claude-key'));
      invalidate('/api/v1/models');
    });
  };

  if (unavailable) {
    return <Notice tone="info">{unavailable}</Notice>;
  }
  if (!status) return <p className="muted">Checking…</p>;
  const warning = plainKeyWarning(status);
  // No keychain here: offer the private file before a save fails, not after.
  const keychainDown = status.store !== 'env' && /save it with \?store=file\./.test(status.warning ?? '');

  const showForm = editing || !status.configured;
  // Claude refused the key on a real request after it was saved (revoked, out of credit on an old key, ...).
  const refusedLater = status.configured && status.last_error !== undefined;
  return (
    <div className="key-field">
      {status.configured && !editing && (
        <div className="key-configured">
          <span className={`key-dot${refusedLater ? ' key-dot-bad' : ''}`} aria-hidden="true" />
          <span>
            Configured{' '}
            <span className="mono" data-testid="key-mask">
              ••••{status.last4 ?? ''}
            </span>
            <span className="muted small"> · stored in {storeNames[status.store]}</span>
          </span>
          {status.store !== 'env' && (
            <span className="key-actions">
              <Button size="sm" onClick={() => setEditing(true)}>
                Replace
              </Button>
              <Button size="sm" variant="danger" onClick={() => setConfirmRemove(true)}>
                Remove
              </Button>
            </span>
          )}
        </div>
      )}
      {refusedLater && !editing && (
        <div data-testid="key-last-error">
          <Notice tone="error" title="Claude refused this key">
            Claude turned this key down on a request {formatWhenAgo(status.last_error!.at, Date.now())}, so hard prompts are answered
            locally. The key may have been revoked or copied wrong: create a new one at console.anthropic.com → API keys and use Replace.
          </Notice>
        </div>
      )}
      {tested && status.configured && !editing && (
        <div data-testid="key-test">
          {tested.ok ? (
            <p className="key-test-ok small">Claude accepted the key (a one-token test call answered).</p>
          ) : (
            // A key Claude refuses is never saved (the save fails with the reason); this one could not be tried now.
            <Notice tone="warn" title="Saved, but not checked">
              {`The test call failed: ${tested.message} Claude will be tried with the key on the next cloud prompt.`}
            </Notice>
          )}
        </div>
      )}
      {showForm && (
        <form
          className="key-form"
          onSubmit={(e) => {
            e.preventDefault();
            if (key.trim()) void save();
          }}
        >
          <label htmlFor="claude-key">{status.configured ? 'New Claude API key' : 'Claude API key'}</label>
          <div className="input-row">
            <input
              id="claude-key"
              type="password"
              autoComplete="off"
              spellCheck={false}
              placeholder="sk-ant-…"
              value={key}
              onChange={(e) => setKey(e.target.value)}
              aria-describedby="claude-key-help"
            />
            <Button variant="primary" type="submit" disabled={busy || !key.trim()}>
              Save key
            </Button>
            {editing && (
              <Button
                onClick={() => {
                  setEditing(false);
                  setKey('');
                }}
              >
                Cancel
              </Button>
            )}
          </div>
          <p id="claude-key-help" className="muted small">
            Saved by the core in your system keychain; this window never sees it again.
            {key && !KEY_HINT.test(key.trim()) ? ' Anthropic keys usually start with “sk-ant-”.' : ''}
          </p>
        </form>
      )}
      {warning && (
        <div data-testid="key-warning">
          <Notice tone="warn">
            {warning}
            {warning !== status.warning && (
              <details className="small">
                <summary>Technical details</summary>
                {status.warning}
              </details>
            )}
          </Notice>
        </div>
      )}
      {error && <Notice tone="error">{error.message}</Notice>}
      {(offerFile || (keychainDown && (editing || !status.configured))) && (
        <div className="form-actions">
          <Button onClick={() => void save('file')} disabled={busy || !key.trim()}>
            Save in a private file instead
          </Button>
        </div>
      )}
      <Dialog open={confirmRemove} title="Remove the Claude key?" onClose={() => setConfirmRemove(false)}>
        <p>Claude will be off until you add a key again; prompts stay on local models.</p>
        <div className="dialog-actions">
          <Button onClick={() => setConfirmRemove(false)}>Cancel</Button>
          <Button variant="danger" onClick={() => void remove()}>
            Remove key
          </Button>
        </div>
      </Dialog>
    </div>
  );
}
