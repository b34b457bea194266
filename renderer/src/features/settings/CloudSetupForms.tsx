// The OpenAI-compatible cloud's setup (base URL, model picked from its live list or typed, optional prices) and Gemini on
// Vertex AI (project, location, credentials): saved and tried with one token by the core; read-only when the environment sets them.
import { useState } from 'react';
import { api, ApiError } from '../../api/client';
import { useAction } from '../../api/useAction';
import type { CloudProviderDto, CloudSetupSaved, CompatModelsDto, CompatSetupUpdate, VertexSetupUpdate } from '../../api/types';
import { Button } from '../../components/Button';
import { Notice } from '../../components/Notice';

type Test = CloudSetupSaved['test'];

/** What the one-token test call said, under the form. */
function TestResult({ name, test, testId }: { name: string; test: Test; testId: string }) {
  if (!test) return null;
  return (
    <div data-testid={testId}>
      {test.ok ? (
        <p className="key-test-ok small">Saved. {name} answered a one-token test call.</p>
      ) : (
        <Notice tone="error" title={`Saved, but the test call to ${name} failed`}>
          {test.message}
        </Notice>
      )}
    </div>
  );
}

const priceText = (p: NonNullable<CloudProviderDto['compat']>['prices']): string =>
  p
    ? `$${p.input} in / $${p.output} out${p.cached_input === undefined ? '' : ` / $${p.cached_input} cached`} per million tokens`
    : 'unknown (no savings claimed)';

/** Plain http to a host other than this machine: the core asks for an explicit permission. */
const needsHttpPermission = (url: string): boolean => {
  const m = /^http:\/\/([^/:?#]+|\[[^\]]*\])/i.exec(url.trim());
  return m !== null && !/^(localhost|127\.\d+\.\d+\.\d+|\[::1\])$/i.test(m[1]!);
};

/** An optional price field: "" = not given. */
const num = (s: string): number | undefined => (s.trim() === '' ? undefined : Number(s));

/** The compatible cloud: a form, or what the environment sets (read-only). */
export function CompatSetupForm({ p, onSaved }: { p: CloudProviderDto; onSaved(): void }) {
  const c = p.compat;
  const [url, setUrl] = useState(c?.url ?? '');
  const [model, setModel] = useState(c?.model ?? '');
  const [allowHttp, setAllowHttp] = useState(c?.allow_http ?? false);
  const [input, setInput] = useState(c?.prices ? String(c.prices.input) : '');
  const [output, setOutput] = useState(c?.prices ? String(c.prices.output) : '');
  const [cached, setCached] = useState(c?.prices?.cached_input === undefined ? '' : String(c.prices.cached_input));
  const [models, setModels] = useState<string[]>([]);
  const [listNote, setListNote] = useState<string | null>(null);
  const { busy, error, run } = useAction();
  const [test, setTest] = useState<Test>(undefined);

  if (c && c.env_fields.length > 0)
    return (
      <div className="cloud-setup" data-testid="cloud-compat-env">
        <p className="muted small">
          From the environment (read-only here): {c.url}, model {c.model || 'the first it lists'}, prices {priceText(c.prices)}.
        </p>
      </div>
    );

  const loadModels = async (): Promise<void> => {
    setListNote(null);
    try {
      const r = await api<CompatModelsDto>('POST', '/api/v1/cloud/compat/models', {
        url: url.trim(),
        ...(allowHttp ? { allow_http: true } : {}),
      });
      setModels(r.models);
      setListNote(r.error ? `The provider did not list its models (${r.error}); type the model id.` : `${r.models.length} models listed.`);
    } catch (e) {
      setListNote(e instanceof ApiError ? e.message : String(e));
    }
  };
  const save = () =>
    run(async () => {
      setTest(undefined);
      const i = num(input);
      const o = num(output);
      const ci = num(cached);
      const body: CompatSetupUpdate = {
        url: url.trim(),
        model: model.trim(),
        ...(i === undefined && o === undefined && ci === undefined
          ? { prices: null }
          : { prices: { input: i as number, output: o as number, ...(ci === undefined ? {} : { cached_input: ci }) } }),
        ...(allowHttp ? { allow_http: true } : {}),
      };
      const r = await api<CloudSetupSaved>('PUT', '/api/v1/cloud/compat', body);
      setTest(r.test);
      onSaved();
    });
  const remove = () =>
    run(async () => {
      await api('DELETE', '/api/v1/cloud/compat');
      setTest(undefined);
      onSaved();
    });

  return (
    <form
      className="cloud-setup"
      data-testid="cloud-compat-form"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <div className="field">
        <label htmlFor="cloud-compat-url">Base URL</label>
        <input
          id="cloud-compat-url"
          type="url"
          inputMode="url"
          spellCheck={false}
          placeholder="https://openrouter.ai/api/v1"
          value={url}
          onChange={(e) => setUrl(e.target.value)}
        />
        {needsHttpPermission(url) && (
          <label className="checkbox small">
            <input type="checkbox" checked={allowHttp} onChange={(e) => setAllowHttp(e.target.checked)} /> Allow plain http (a proxy on a
            trusted network; localhost needs no permission)
          </label>
        )}
      </div>
      <div className="field">
        <label htmlFor="cloud-compat-model">Model</label>
        <div className="input-row">
          <input
            id="cloud-compat-model"
            list="cloud-compat-models"
            spellCheck={false}
            placeholder="e.g. deepseek-chat"
            value={model}
            onChange={(e) => setModel(e.target.value)}
          />
          <Button onClick={() => void loadModels()} disabled={!url.trim()}>
            List models
          </Button>
        </div>
        <datalist id="cloud-compat-models">
          {models.map((m) => (
            <option key={m} value={m} />
          ))}
        </datalist>
        {listNote && (
          <p className="muted small" data-testid="cloud-compat-models-note">
            {listNote}
          </p>
        )}
      </div>
      <fieldset className="cloud-prices">
        <legend className="small">Prices, US dollars per million tokens (optional: without them no savings are claimed)</legend>
        <label>
          Input
          <input type="number" min="0" step="any" inputMode="decimal" value={input} onChange={(e) => setInput(e.target.value)} />
        </label>
        <label>
          Output
          <input type="number" min="0" step="any" inputMode="decimal" value={output} onChange={(e) => setOutput(e.target.value)} />
        </label>
        <label>
          Cached input
          <input type="number" min="0" step="any" inputMode="decimal" value={cached} onChange={(e) => setCached(e.target.value)} />
        </label>
      </fieldset>
      <div className="input-row">
        <Button variant="primary" type="submit" disabled={busy || !url.trim() || !model.trim()}>
          Save and test
        </Button>
        {c?.source === 'settings' && (
          <Button variant="danger" onClick={() => void remove()} disabled={busy}>
            Remove
          </Button>
        )}
      </div>
      <TestResult name={p.name} test={test} testId="cloud-compat-test" />
      {error && <Notice tone="error">{error.message}</Notice>}
    </form>
  );
}

/** Gemini on Vertex AI: a form, or what the environment sets (read-only). */
export function VertexSetupForm({ p, onSaved }: { p: CloudProviderDto; onSaved(): void }) {
  const v = p.vertex;
  const [project, setProject] = useState(v?.project ?? '');
  const [location, setLocation] = useState(v?.location ?? 'us-central1');
  const [useFile, setUseFile] = useState(v?.credentials === 'service-account-file');
  const [file, setFile] = useState(v?.credentials_file ?? '');
  const { busy, error, run } = useAction();
  const [test, setTest] = useState<Test>(undefined);

  if (v?.source === 'env')
    return (
      <p className="muted small" data-testid="cloud-vertex-env">
        Vertex AI from the environment (read-only here): project {v.project}, location {v.location},{' '}
        {v.credentials_file ? `service-account file ${v.credentials_file}` : 'application-default credentials'}.
      </p>
    );

  const send = (method: 'PUT' | 'DELETE') =>
    run(async () => {
      setTest(undefined);
      const body: VertexSetupUpdate = {
        project: project.trim(),
        location: location.trim(),
        credentials_file: useFile ? file.trim() : null,
      };
      const r = await api<CloudSetupSaved>(method, '/api/v1/cloud/vertex', method === 'PUT' ? body : undefined);
      setTest(r.test);
      onSaved();
    });

  return (
    <details className="cloud-setup" open={v !== undefined}>
      <summary className="small">
        {v ? `On Vertex AI (${v.project}, ${v.location})` : 'Run Gemini on Vertex AI instead of with a key'}
      </summary>
      <form
        data-testid="cloud-vertex-form"
        onSubmit={(e) => {
          e.preventDefault();
          void send('PUT');
        }}
      >
        <div className="field">
          <label htmlFor="cloud-vertex-project">Google Cloud project id</label>
          <input id="cloud-vertex-project" spellCheck={false} value={project} onChange={(e) => setProject(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="cloud-vertex-location">Location</label>
          <input
            id="cloud-vertex-location"
            spellCheck={false}
            placeholder="us-central1 or global"
            value={location}
            onChange={(e) => setLocation(e.target.value)}
          />
        </div>
        <fieldset className="cloud-credentials">
          <legend className="small">Credentials</legend>
          <label className="checkbox small">
            <input type="radio" name="cloud-vertex-credentials" checked={!useFile} onChange={() => setUseFile(false)} /> Application-default
            credentials (gcloud auth application-default login)
          </label>
          <label className="checkbox small">
            <input type="radio" name="cloud-vertex-credentials" checked={useFile} onChange={() => setUseFile(true)} /> A service-account
            JSON key file
          </label>
          {useFile && (
            <div className="field">
              <label htmlFor="cloud-vertex-file">Key file path (on the machine the core runs on)</label>
              <input
                id="cloud-vertex-file"
                spellCheck={false}
                placeholder="/home/me/keys/vertex.json"
                value={file}
                onChange={(e) => setFile(e.target.value)}
              />
            </div>
          )}
        </fieldset>
        <div className="input-row">
          <Button variant="primary" type="submit" disabled={busy || !project.trim() || !location.trim() || (useFile && !file.trim())}>
            Save and test
          </Button>
          {v?.source === 'settings' && (
            <Button variant="danger" onClick={() => void send('DELETE')} disabled={busy}>
              Stop using Vertex AI
            </Button>
          )}
        </div>
        <TestResult name="Vertex AI" test={test} testId="cloud-vertex-test" />
        {error && <Notice tone="error">{error.message}</Notice>}
      </form>
    </details>
  );
}
