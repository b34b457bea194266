// The localhost API: address and token (show, copy, regenerate) with ready-to-paste curl and OpenAI-client snippets.
import { useState } from 'react';
import { api, ApiError, setToken } from '../../api/client';
import type { SettingsDto } from '../../api/types';
import { Button, IconButton } from '../../components/Button';
import { CopyButton } from '../../components/CopyButton';
import { Dialog } from '../../components/Dialog';
import { Notice } from '../../components/Notice';

/** The snippets shown under the token, filled with the real address and token. */
export function apiSnippets(address: string, token: string): Array<{ id: string; title: string; code: string }> {
  return [
    {
      id: 'curl',
      title: 'curl',
      code: `curl ${address}/v1/chat/completions \\
  -H "Authorization: Bearer ${token}" \\
  -H "Content-Type: application/json" \\
  -d '{"model": "auto", "messages": [{"role": "user", "content": "Hello!"}]}'`,
    },
    {
      id: 'python',
      title: 'Python (openai)',
      code: `from openai import OpenAI

client = OpenAI(base_url="${address}/v1", api_key="${token}")
reply = client.chat.completions.create(
    model="auto",  # the router picks the cheapest model that will do
    messages=[{"role": "user", "content": "Hello!"}],
)
print(reply.choices[0].message.content)`,
    },
    {
      id: 'node',
      title: 'Node.js (openai)',
      code: `import OpenAI from 'openai';

const client = new OpenAI({ baseURL: '${address}/v1', apiKey: '${token}' });
const reply = await client.chat.completions.create({
  model: 'auto',
  messages: [{ role: 'user', content: 'Hello!' }],
});
console.log(reply.choices[0].message.content);`,
    },
  ];
}

export function ApiAccess({ access, onRegenerated }: { access: SettingsDto['api']; onRegenerated(): void }) {
  const [shown, setShown] = useState(false);
  const [confirm, setConfirm] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [tab, setTab] = useState('curl');
  const masked = `${access.token.slice(0, 4)}${'•'.repeat(16)}`;
  const snippets = apiSnippets(access.address, access.token);
  const current = snippets.find((s) => s.id === tab) ?? snippets[0]!;
  // On screen the token stays masked until "Show token"; the copy buttons always copy the real thing.
  const shownCode = shown ? current.code : current.code.split(access.token).join(masked);

  const regenerate = async (): Promise<void> => {
    setConfirm(false);
    setError(null);
    try {
      const r = await api<{ token: string }>('POST', '/api/v1/settings/token/regenerate');
      // This window keeps working: it switches to the new token at once.
      setToken(r.token);
      onRegenerated();
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    }
  };

  return (
    <div className="api-access">
      <dl className="kv">
        <dt>Address</dt>
        <dd>
          <code className="mono" data-testid="api-address">
            {access.address}
          </code>
          <CopyButton text={access.address} label="Copy address" />
        </dd>
        <dt>Token</dt>
        <dd>
          <code className="mono token" data-testid="api-token">
            {shown ? access.token : masked}
          </code>
          <IconButton icon={shown ? 'eyeOff' : 'eye'} label={shown ? 'Hide token' : 'Show token'} onClick={() => setShown(!shown)} />
          <CopyButton text={access.token} label="Copy token" />
          <Button size="sm" icon="retry" disabled={access.token_source === 'env'} onClick={() => setConfirm(true)}>
            Regenerate
          </Button>
        </dd>
      </dl>
      {access.token_source === 'env' && (
        <p className="muted small">This token comes from HYBRID_AI_TOKEN; change it there and restart the server.</p>
      )}
      {error && <Notice tone="error">{error}</Notice>}
      <div className="snippets">
        <div className="tabs" role="tablist" aria-label="Code examples">
          {snippets.map((s) => (
            <button
              key={s.id}
              type="button"
              role="tab"
              id={`tab-${s.id}`}
              aria-selected={tab === s.id}
              aria-controls="snippet-panel"
              tabIndex={tab === s.id ? 0 : -1}
              onClick={() => setTab(s.id)}
              onKeyDown={(e) => {
                const i = snippets.findIndex((x) => x.id === tab);
                const step = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
                if (!step) return;
                e.preventDefault();
                const next = snippets[(i + step + snippets.length) % snippets.length]!;
                setTab(next.id);
                document.getElementById(`tab-${next.id}`)?.focus();
              }}
            >
              {s.title}
            </button>
          ))}
        </div>
        <div className="code-block" role="tabpanel" id="snippet-panel" aria-labelledby={`tab-${current.id}`}>
          <div className="code-head">
            <span className="code-lang">{current.title}</span>
            <CopyButton text={current.code} label={`Copy ${current.title} example`} showText />
          </div>
          <pre tabIndex={0} data-testid={`snippet-${current.id}`}>
            <code>{shownCode}</code>
          </pre>
        </div>
      </div>
      <Dialog open={confirm} title="Regenerate the API token?" onClose={() => setConfirm(false)}>
        <p>The current token stops working immediately. Scripts and apps using it will need the new one.</p>
        <div className="dialog-actions">
          <Button onClick={() => setConfirm(false)}>Cancel</Button>
          <Button variant="danger" onClick={() => void regenerate()}>
            Regenerate
          </Button>
        </div>
      </Dialog>
    </div>
  );
}
