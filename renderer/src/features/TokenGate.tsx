// Asks for the API token when the app was opened without the #token= link (or the token stopped working).
import { useState } from 'react';
import { checkToken, setToken } from '../api/client';
import { Button } from '../components/Button';
import { Icon } from '../components/Icon';

export function TokenGate() {
  const [value, setValue] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const connect = async (): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      // Adopt it only once the core accepted it: the app behind this gate would otherwise flash and fail.
      if (await checkToken(value.trim())) setToken(value.trim());
      else setError('That token was not accepted.');
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="gate">
      <form
        className="gate-card"
        onSubmit={(e) => {
          e.preventDefault();
          if (value.trim()) void connect();
        }}
      >
        <div className="welcome-mark" aria-hidden="true">
          <Icon name="key" size={24} />
        </div>
        <h1>Connect to Hybrid AI</h1>
        <p className="muted">
          Open the link that <code>npm run serve</code> printed (it ends in <code>#token=…</code>), or paste the API token here. It is also
          in the <code>api-token</code> file of the data folder.
        </p>
        <label htmlFor="token-input">API token</label>
        <input
          id="token-input"
          type="password"
          autoComplete="off"
          spellCheck={false}
          value={value}
          onChange={(e) => setValue(e.target.value)}
          aria-invalid={error !== null}
          aria-describedby={error ? 'token-error' : undefined}
          autoFocus
        />
        {error && (
          <p id="token-error" className="error-text" role="alert">
            {error}
          </p>
        )}
        <Button variant="primary" type="submit" disabled={busy || !value.trim()}>
          Connect
        </Button>
      </form>
    </main>
  );
}
