// Stand-in for the Ollama binary/server (its HTTP API: /api/version, /api/tags, /api/ps, /api/chat, /api/generate,
// /api/embed) in tests; it keeps models "loaded" as Ollama's keep_alive says (load, unload, expiry) without weights.
import type { ServerResponse } from 'node:http';
import { type Exchange, pathOf, type RecordedRequestBase, sleep, startRecordingServer, streamDeltas } from './cloud-common.js';

/**
 * How the stand-in answers chat/generate requests.
 * - `normal`: a deterministic answer derived from the prompt, one word per NDJSON chunk.
 * - `break`: stream `afterChunks` chunks, then destroy the socket (the server died midway).
 * - `stream-error`: stream `afterChunks` chunks, then an `{"error": ...}` line (Ollama's mid-stream error).
 * - `error500`: answer 500 `{"error": message}` (e.g. the runner crashed while loading).
 * - `hang`: accept and never answer.
 */
export type OllamaStandInMode =
  | { kind: 'normal' }
  | { kind: 'break'; afterChunks: number }
  | { kind: 'stream-error'; afterChunks: number; message?: string }
  | { kind: 'error500'; message?: string }
  | { kind: 'hang' };

/** One request as the stand-in saw it. */
export type RecordedOllamaRequest = RecordedRequestBase;

/** Options of {@link startOllamaStandIn}. */
export interface OllamaStandInOptions {
  /** Model tags the server "has" (`/api/tags`); default ['tinyllama:1.1b']. */
  models?: string[];
  /** Delay before each generated token in ms; default 5 (small, so aborts can land mid-stream). */
  tokenDelayMs?: number;
  /** Words in a full answer before num_predict cuts it; default 24. */
  answerWords?: number;
  /** `/api/version` answer; default '0.12.6'. */
  version?: string;
  /** Port to listen on (127.0.0.1); default 0 = an ephemeral one. The stand-in binary passes OLLAMA_HOST's port. */
  port?: number;
  mode?: OllamaStandInMode;
  /** Tags `/api/pull` can fetch (each becomes listed by /api/tags); default: any tag. */
  pullable?: string[];
  /** Delay between `/api/pull` progress lines in ms; default 5. */
  pullStepMs?: number;
}

/** A running stand-in. */
export interface OllamaStandIn {
  /** `http://127.0.0.1:PORT`. */
  url: string;
  /** `127.0.0.1:PORT`, the OLLAMA_HOST form. */
  host: string;
  requests: RecordedOllamaRequest[];
  /** How many responses the client abandoned before they ended. */
  readonly disconnects: number;
  setMode(mode: OllamaStandInMode): void;
  setModels(tags: string[]): void;
  setTokenDelay(ms: number): void;
  /** Models "loaded" now, by tag, with when keep_alive lets each go (ms since the epoch; Infinity = never). */
  loaded(): Map<string, number>;
  close(): Promise<void>;
}

/** Ollama's default keep_alive (OLLAMA_KEEP_ALIVE unset): 5 minutes. */
const DEFAULT_KEEP_ALIVE_MS = 5 * 60_000;
const GO_UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/**
 * keep_alive as Ollama's api.Duration reads it: absent = the default; a JSON number is seconds; a string must be a Go
 * duration (time.ParseDuration: "5m", "1h30m", "0"; a bare "-1" is refused, as Go refuses a number without a unit);
 * negative = forever. Returns ms (Infinity = forever) or an error message.
 */
export function ollamaKeepAliveMs(v: unknown): number | { error: string } {
  if (v === undefined || v === null) return DEFAULT_KEEP_ALIVE_MS;
  if (typeof v === 'number') return v < 0 ? Infinity : v * 1_000;
  if (typeof v !== 'string') return { error: 'invalid duration' };
  if (v === '0') return 0;
  const m = /^([+-]?)((?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|ms|s|m|h))+)$/.exec(v);
  if (!m) return { error: `time: invalid duration "${v}"` };
  let ms = 0;
  for (const [, n, unit] of m[2]!.matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/g)) ms += Number(n) * GO_UNIT_MS[unit!]!;
  return m[1] === '-' ? Infinity : ms;
}

const words = (s: unknown) => (typeof s === 'string' ? s.split(/\s+/).filter(Boolean) : []);

/** Ollama resolves a bare name to `name:latest`. */
function normalizeTag(tag: string): string {
  return tag.includes(':') ? tag : `${tag}:latest`;
}

/** Starts the stand-in on 127.0.0.1 with an ephemeral port. */
export async function startOllamaStandIn(opts: OllamaStandInOptions = {}): Promise<OllamaStandIn> {
  let models = opts.models ?? ['tinyllama:1.1b'];
  let tokenDelayMs = opts.tokenDelayMs ?? 5;
  const answerWords = opts.answerWords ?? 24;
  const version = opts.version ?? '0.12.6';
  let mode: OllamaStandInMode = opts.mode ?? { kind: 'normal' };
  // tag → when keep_alive lets it go (Infinity = never); a lapsed entry is dropped when read.
  const loaded = new Map<string, number>();
  const loadedNow = (): Map<string, number> => {
    for (const [tag, until] of loaded) if (until <= Date.now()) loaded.delete(tag);
    return loaded;
  };
  /** After a request to `tag`: keep_alive 0 unloads it, anything else (re)loads it until now + keep_alive. */
  const keep = (tag: string, ms: number): void => {
    if (ms === 0) loaded.delete(normalizeTag(tag));
    else loaded.set(normalizeTag(tag), Date.now() + ms);
  };

  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(body));
  };

  const handle = async (ex: Exchange<RecordedOllamaRequest>) => {
    const { req, res, record } = ex;
    const { path } = record;
    if (req.method === 'GET' && path === '/api/version') return json(res, 200, { version });
    if (req.method === 'GET' && path === '/api/tags') {
      return json(res, 200, {
        models: models.map((name) => ({
          name,
          model: name,
          modified_at: '2025-01-01T00:00:00Z',
          size: 637700138,
          digest: 'sha256:0000000000000000000000000000000000000000000000000000000000000000',
          details: {
            parent_model: '',
            format: 'gguf',
            family: 'llama',
            families: ['llama'],
            parameter_size: '1B',
            quantization_level: 'Q4_0',
          },
        })),
      });
    }
    if (req.method === 'GET' && path === '/api/ps') {
      return json(res, 200, {
        models: [...loadedNow()].map(([name, until]) => ({
          name,
          model: name,
          size: 637700138,
          digest: '0000000000000000000000000000000000000000000000000000000000000000',
          details: {
            parent_model: '',
            format: 'gguf',
            family: 'llama',
            families: ['llama'],
            parameter_size: '1B',
            quantization_level: 'Q4_0',
          },
          // Ollama writes "never" as now + Go's longest duration (~292 years).
          expires_at: new Date(Number.isFinite(until) ? until : Date.now() + 292 * 365.25 * 24 * 3600 * 1000).toISOString(),
          size_vram: 0,
          context_length: 4096,
        })),
      });
    }
    if (req.method === 'POST' && path === '/api/pull') {
      // Ollama's pull: NDJSON status lines (manifest, per-layer bytes, verify, success) or an {"error"} line.
      const body = record.body as { model?: unknown; name?: unknown } | undefined;
      const tag = typeof body?.model === 'string' ? body.model : typeof body?.name === 'string' ? body.name : '';
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      const line = (o: unknown) => {
        if (!res.destroyed) res.write(`${JSON.stringify(o)}\n`);
      };
      line({ status: 'pulling manifest' });
      if (!tag || (opts.pullable && !opts.pullable.includes(tag))) {
        line({ error: 'pull model manifest: file does not exist' });
        return res.end();
      }
      const digest = `sha256:${'ab'.repeat(32)}`;
      const total = 4096;
      for (let done = 1024; done <= total; done += 1024) {
        await sleep(opts.pullStepMs ?? 5);
        if (res.destroyed || record.disconnected) return;
        line({ status: `pulling ${digest.slice(7, 19)}`, digest, total, completed: done });
      }
      line({ status: 'verifying sha256 digest' });
      line({ status: 'writing manifest' });
      if (!models.some((m) => normalizeTag(m) === normalizeTag(tag))) models = [...models, tag];
      line({ status: 'success' });
      return res.end();
    }
    if (req.method === 'GET' && path === '/') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      return res.end('Ollama is running');
    }
    if (req.method === 'POST' && path === '/api/embed') {
      const b = (record.body ?? {}) as { model?: unknown; input?: unknown; keep_alive?: unknown };
      if (typeof b.model !== 'string' || !models.some((m) => normalizeTag(m) === normalizeTag(b.model as string)))
        return json(res, 404, { error: `model '${String(b.model)}' not found, try pulling it first` });
      const keepMs = ollamaKeepAliveMs(b.keep_alive);
      if (typeof keepMs !== 'number') return json(res, 400, { error: keepMs.error });
      keep(b.model, keepMs);
      const inputs = typeof b.input === 'string' ? [b.input] : Array.isArray(b.input) ? (b.input as unknown[]).map(String) : [];
      // A deterministic unit vector per text (length and word count), as Ollama's /api/embed returns unit vectors.
      const embeddings = inputs.map((t) => {
        const v = [t.length + 1, words(t).length + 1];
        const n = Math.hypot(v[0]!, v[1]!);
        return v.map((x) => x / n);
      });
      return json(res, 200, { model: b.model, embeddings, prompt_eval_count: inputs.reduce((n, t) => n + words(t).length, 0) });
    }
    const isChat = path === '/api/chat';
    if (req.method !== 'POST' || (!isChat && path !== '/api/generate')) return json(res, 404, { error: '404 page not found' });

    const body = record.body as Record<string, unknown> | undefined;
    if (!body || typeof body.model !== 'string' || !body.model) return json(res, 400, { error: 'model is required' });
    const tag = body.model;
    if (!models.some((m) => normalizeTag(m) === normalizeTag(tag)))
      return json(res, 404, { error: `model '${tag}' not found, try pulling it first` });
    const keepMs = ollamaKeepAliveMs(body.keep_alive);
    if (typeof keepMs !== 'number') return json(res, 400, { error: keepMs.error });
    // Ollama's load/unload: /api/generate without a prompt, /api/chat without messages; keep_alive 0 unloads.
    const noWork = isChat ? !Array.isArray(body.messages) || body.messages.length === 0 : !body.prompt;
    if (noWork) {
      keep(tag, keepMs);
      const piece = isChat ? { message: { role: 'assistant', content: '' } } : { response: '' };
      return json(res, 200, {
        model: tag,
        created_at: new Date().toISOString(),
        ...piece,
        done: true,
        done_reason: keepMs === 0 ? 'unload' : 'load',
      });
    }
    if (mode.kind === 'error500') return json(res, 500, { error: mode.message ?? 'llama runner process has terminated: exit status 2' });
    if (mode.kind === 'hang') return;
    keep(tag, keepMs);

    const messages = Array.isArray(body.messages) ? (body.messages as Array<{ role?: string; content?: unknown }>) : [];
    const promptTokens = isChat
      ? messages.reduce((n, m) => n + words(m.content).length, 0)
      : words(body.system).length + words(body.prompt).length;
    const lastUser = isChat ? [...messages].reverse().find((m) => m.role === 'user')?.content : body.prompt;
    const all = ['Stand-in', 'Ollama', 'heard:', ...words(lastUser)].slice(0, answerWords);
    for (let i = 1; all.length < answerWords; i++) all.push(`w${i}`);
    const options = (body.options ?? {}) as { num_predict?: number };
    // num_predict < 0 means "no limit" in Ollama.
    const limit = typeof options.num_predict === 'number' && options.num_predict >= 0 ? options.num_predict : Infinity;
    const out = all.slice(0, limit);
    const doneReason = out.length < all.length ? 'length' : 'stop';
    const stream = body.stream !== false; // Ollama streams unless told not to
    const started = process.hrtime.bigint();
    const created = () => new Date().toISOString();
    const piece = (text: string) => (isChat ? { message: { role: 'assistant', content: text } } : { response: text });
    const final = () => {
      const total = Number(process.hrtime.bigint() - started);
      return {
        model: tag,
        created_at: created(),
        ...piece(''),
        done: true,
        done_reason: doneReason,
        total_duration: total,
        load_duration: 1000,
        prompt_eval_count: promptTokens,
        prompt_eval_duration: 1000,
        eval_count: out.length,
        eval_duration: total,
        ...(isChat ? {} : { context: [1, 2, 3] }),
      };
    };

    if (!stream) {
      if (tokenDelayMs > 0) for (let i = 0; i < out.length; i++) await sleep(tokenDelayMs);
      return json(res, 200, { ...final(), ...piece(out.join(' ')) });
    }

    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    const line = (obj: unknown) => {
      if (!res.destroyed) res.write(`${JSON.stringify(obj)}\n`);
    };
    const current = mode;
    const complete = await streamDeltas(server, ex, {
      count: out.length,
      delayMs: () => tokenDelayMs,
      fault: current.kind === 'break' || current.kind === 'stream-error' ? { kind: current.kind, after: current.afterChunks } : undefined,
      emit: (i) => line({ model: tag, created_at: created(), ...piece((i === 0 ? '' : ' ') + out[i]), done: false }),
      streamError: () =>
        line({
          error: (current.kind === 'stream-error' ? current.message : undefined) ?? 'an error was encountered while running the model',
        }),
    });
    if (!complete) return;
    line(final());
    res.end();
  };

  const server = await startRecordingServer<RecordedOllamaRequest>({
    port: opts.port,
    record: (req, body) => ({ method: req.method ?? '', path: pathOf(req), body, disconnected: false }),
    handle,
  });
  const { port } = server;

  return {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    requests: server.requests,
    get disconnects() {
      return server.disconnects;
    },
    setMode(m) {
      mode = m;
    },
    setModels(tags) {
      models = [...tags];
    },
    setTokenDelay(ms) {
      tokenDelayMs = ms;
    },
    loaded: () => new Map(loadedNow()),
    close: () => server.close(),
  };
}
