// /api/v1/system, local models, pulls with an SSE progress stream, cancel and delete, through the real gateway on loopback.
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DownloadProgressDto, SystemDto } from '../../router-core/contracts/api.js';
import { localModels } from '../../router-core/data/models.js';
import {
  deletedModelSchema,
  downloadAnswerSchema,
  downloadProgressSchema,
  downloadsSchema,
  localModelsSchema,
  systemSchema,
} from '../../router-core/gateway/api-schemas.js';
import { recommendationsFor } from '../../router-core/data/tiers.js';
import { buildTinyGguf } from '../fixtures/make-tiny-gguf.js';
import { camelKeys } from '../fixtures/wire-keys.js';
import { startFileServer, type FileServer } from '../fixtures/gguf-server.js';
import { startOllamaStandIn, type OllamaStandIn } from '../stand-ins/ollama-server.js';
import { parseSse, startTestServer, type TestServer } from './helpers.js';

const TINY = 'tinyllama-1.1b-chat-v1.0.Q4_K_M.gguf';
const gguf = buildTinyGguf(5);
let files: FileServer;
let srv: TestServer;
let dir: string;

beforeAll(async () => {
  files = await startFileServer();
  files.put(TINY, gguf);
  dir = mkdtempSync(path.join(os.tmpdir(), 'hai-models-api-'));
  const catalog = path.join(dir, 'catalog.json');
  writeFileSync(
    catalog,
    JSON.stringify({
      tinyllama: { url: `${files.url}/${TINY}`, sizeBytes: gguf.length, sha256: createHash('sha256').update(gguf).digest('hex') },
    }),
  );
  srv = await startTestServer({ env: { HYBRID_AI_MODEL_CATALOG: catalog } });
  await srv.core.hardwareReady;
});
afterAll(async () => {
  await srv.close();
  await files.close();
  rmSync(dir, { recursive: true, force: true });
});

async function api(method: string, url: string): Promise<{ status: number; json: any }> {
  const r = await fetch(`${srv.url}${url}`, { method, headers: srv.auth });
  return { status: r.status, json: await r.json() };
}
/** The answer fits its documented schema (GET /openapi.json) at every depth: zod drops unknown keys, so an extra one changes the parse. */
function fitsExactly(schema: { parse(v: unknown): unknown }, v: unknown): void {
  expect(schema.parse(v)).toEqual(v);
}
async function until<T>(f: () => Promise<T | undefined>, what: string, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('GET /api/v1/system', () => {
  it('hardware, tier with its reason, engines with their kind, models present/missing, downloads', async () => {
    const { status, json } = await api('GET', '/api/v1/system');
    expect(status).toBe(200);
    const s = json as SystemDto;
    expect(s.hardware?.total_ram_mib.known).toBe(true);
    // Measured, or (on a heavily loaded machine) cut by the detection time box, which the reason then says.
    const disk = s.hardware!.disk_free_mib;
    if (disk.known) expect(disk.value).toBeGreaterThan(0);
    else expect(disk.reason).toMatch(/did not answer within \d+ ms/);
    expect(s.detection_ms).toBeGreaterThan(0);
    expect(s.tier).toMatchObject({ tier: expect.any(Number), overridden: false });
    expect(s.tier.reason).toMatch(/RAM, .* → tier [1-4]/);
    expect(s.engines.find((e) => e.id === 'llamacpp')).toMatchObject({ kind: 'embedded', ok: false });
    expect(s.engines.find((e) => e.id === 'ollama')).toMatchObject({ kind: 'system-ollama', ok: false });
    expect(s.ollama.state).toBe('idle'); // process management is off in tests (helpers.ts)
    expect(s.models).toEqual({ present: [], missing: localModels.map((m) => m.id) });
    // The tier's pick per rung, each with the reason the Models screen shows.
    expect(s.recommendations).toEqual(recommendationsFor(s.tier.tier));
    expect(s.recommended).toEqual(recommendationsFor(s.tier.tier).map((r) => r.id));
    expect(s.recommendations[0]!.reason).toMatch(/^best small model in \d+ GB \([\d.]+ GB per model\): /);
    expect(s.downloads).toEqual([]);
    // snake_case all the way down, as the rest of the native API (the machine, the tiers, parallelism included).
    expect(s.hardware).not.toBeNull();
    expect(s.parallel).toBeDefined();
    expect(camelKeys(json)).toEqual([]);
  });

  it('the tier override saved in Settings wins and says so; an invalid saved value is ignored with the reason', async () => {
    await srv.core.settings.setSetting('hardware.tierOverride', 1);
    let s = (await api('GET', '/api/v1/system')).json as SystemDto;
    expect(s.tier).toEqual({ tier: 1, reason: 'tier 1 chosen in Settings', overridden: true });
    expect(srv.core.tier.tier).toBe(1);
    await srv.core.settings.setSetting('hardware.tierOverride', 9);
    s = (await api('GET', '/api/v1/system')).json as SystemDto;
    expect(s.tier.tier).toBe(s.detected_tier.tier);
    expect(s.tier.reason).toMatch(/ignored the saved tier 9: valid are 1, 2, 3, 4/);
    await srv.core.settings.setSetting('hardware.tierOverride', null);
  });

  it('PUT /api/v1/settings tier_override saves the tier (1-4) or clears it (null); anything else is a 400 naming it', async () => {
    const put = async (body: unknown) => {
      const r = await fetch(`${srv.url}/api/v1/settings`, {
        method: 'PUT',
        headers: { ...srv.auth, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: r.status, json: await r.json() };
    };
    expect((await put({ tier_override: 1 })).status).toBe(200);
    let s = (await api('GET', '/api/v1/system')).json as SystemDto;
    expect(s.tier).toEqual({ tier: 1, reason: 'tier 1 chosen in Settings', overridden: true });
    const bad = await put({ tier_override: 7 });
    expect(bad.status).toBe(400);
    expect(bad.json.error.message).toMatch(/^Invalid "tier_override": .*1.*2.*3.*4/);
    expect(((await api('GET', '/api/v1/system')).json as SystemDto).tier.tier).toBe(1);
    expect((await put({ tier_override: null })).status).toBe(200);
    s = (await api('GET', '/api/v1/system')).json as SystemDto;
    expect(s.tier).toEqual(s.detected_tier);
  });

  it('needs the token', async () => {
    const r = await fetch(`${srv.url}/api/v1/system`);
    expect(r.status).toBe(401);
  });
});

describe('model files over the API', () => {
  it('an unknown or traversal id is a 400 that lists the valid ids, and nothing is written', async () => {
    for (const id of ['nope', '..%2F..%2Fetc%2Fpasswd']) {
      const r = await api('POST', `/api/v1/models/${id}/pull`);
      expect(r.status).toBe(400);
      expect(r.json.error.type).toBe('invalid_request');
      expect(r.json.error.message).toMatch(/^Unknown local model ".*"\. Valid: (.+)\.$/);
      expect(/Valid: (.+)\.$/.exec(r.json.error.message)![1]!.split(', ')).toEqual(localModels.map((m) => m.id));
    }
    expect(existsSync(path.join(srv.dataDir, 'etc'))).toBe(false);
    expect((await api('DELETE', '/api/v1/downloads/tinyllama')).status).toBe(404);
    expect((await api('DELETE', '/api/v1/models/tinyllama')).status).toBe(404);
  });

  it('pull: 202, progress on the SSE stream until done, then the model is present and the embedded engine has it', async () => {
    const ac = new AbortController();
    const events = fetch(`${srv.url}/api/v1/downloads/events`, { headers: srv.auth, signal: ac.signal });
    const res = await events;
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = res.body!.getReader();
    const pulled = await api('POST', '/api/v1/models/tinyllama/pull');
    expect(pulled.status).toBe(202);
    expect(pulled.json.download).toMatchObject({ model_id: 'tinyllama', total_bytes: gguf.length });

    let text = '';
    const dec = new TextDecoder();
    while (!/"state":"done"/.test(text)) {
      const { value, done } = await reader.read();
      if (done) break;
      text += dec.decode(value);
    }
    ac.abort();
    const frames = parseSse(text).filter((f) => f.event === 'download');
    const states = frames.map((f) => (JSON.parse(f.data) as DownloadProgressDto).state);
    // Each progress event, the pull's answer, the model list with its download, the downloads list and the system
    // answer (with the download) are snake_case at any depth.
    expect(frames.flatMap((f) => camelKeys(JSON.parse(f.data)))).toEqual([]);
    expect(camelKeys(pulled.json)).toEqual([]);
    for (const f of frames) fitsExactly(downloadProgressSchema, JSON.parse(f.data));
    fitsExactly(downloadAnswerSchema, pulled.json);
    expect(states).toContain('downloading');
    expect(states).toContain('verifying');
    expect(states.at(-1)).toBe('done');

    const local = await api('GET', '/api/v1/models/local');
    const tiny = local.json.models.find((m: { id: string }) => m.id === 'tinyllama');
    expect(tiny).toMatchObject({ present: true, bytes_on_disk: gguf.length, download: { state: 'done' } });
    expect(local.json.disk_used_bytes).toBe(gguf.length);
    expect(local.json.disk_free_bytes).toBeGreaterThan(0);
    expect(local.json.local_model_file).toBeNull();
    expect(camelKeys(local.json)).toEqual([]);
    fitsExactly(localModelsSchema, local.json);

    const s = await until(async () => {
      const sys = (await api('GET', '/api/v1/system')).json as SystemDto;
      return sys.engines.find((e) => e.id === 'llamacpp')?.models.includes('tinyllama') ? sys : undefined;
    }, 'the embedded engine to see the new file');
    expect(s.models.present).toEqual(['tinyllama']);
    expect(s.downloads).toMatchObject([{ model_id: 'tinyllama', state: 'done' }]);
    expect(camelKeys(s)).toEqual([]);
    fitsExactly(systemSchema, s);
    const list = (await api('GET', '/api/v1/downloads')).json;
    expect(list.downloads).toMatchObject([{ model_id: 'tinyllama', state: 'done' }]);
    expect(camelKeys(list)).toEqual([]);
    fitsExactly(downloadsSchema, list);
  });

  it('delete frees the space; a running download can be cancelled, and cannot be deleted meanwhile', async () => {
    const del = await api('DELETE', '/api/v1/models/tinyllama');
    expect(del).toEqual({ status: 200, json: { id: 'tinyllama', freed_bytes: gguf.length } });
    fitsExactly(deletedModelSchema, del.json);

    files.set({ chunkBytes: 2 * 1024, chunkDelayMs: 30 });
    try {
      expect((await api('POST', '/api/v1/models/tinyllama/pull')).status).toBe(202);
      await until(async () => {
        const d = (await api('GET', '/api/v1/downloads')).json.downloads[0] as DownloadProgressDto;
        return d.state === 'downloading' && d.bytes > 0 ? d : undefined;
      }, 'bytes to arrive');
      const busy = await api('DELETE', '/api/v1/models/tinyllama');
      expect(busy.status).toBe(400);
      expect(busy.json.error.message).toBe('Model "tinyllama" is being downloaded: cancel it first (DELETE /api/v1/downloads/tinyllama).');
      const cancelled = await api('DELETE', '/api/v1/downloads/tinyllama');
      expect(cancelled.status).toBe(200);
      expect(cancelled.json.download).toMatchObject({ model_id: 'tinyllama' });
      expect(camelKeys(cancelled.json)).toEqual([]);
      fitsExactly(downloadAnswerSchema, cancelled.json);
      const end = await until(async () => {
        const d = (await api('GET', '/api/v1/downloads')).json.downloads[0] as DownloadProgressDto;
        return d.state === 'cancelled' ? d : undefined;
      }, 'the cancel');
      expect(end.message).toMatch(/a later pull resumes/);
      expect(existsSync(path.join(srv.dataDir, 'models', TINY))).toBe(false);
    } finally {
      files.set({});
    }
  });
});

describe('pulling through Ollama (/api/pull) with the same progress events', () => {
  let ollama: OllamaStandIn;
  let withOllama: TestServer;
  beforeAll(async () => {
    ollama = await startOllamaStandIn({ models: ['tinyllama:1.1b'], pullable: ['phi:2.7b', 'llama3.2:3b'], pullStepMs: 20 });
    withOllama = await startTestServer({ env: { OLLAMA_HOST: ollama.host, HYBRID_AI_MANAGE_OLLAMA: 'auto' } });
  });
  afterAll(async () => {
    await withOllama.close();
    await ollama.close();
  });
  const call = async (method: string, url: string) => {
    const r = await fetch(`${withOllama.url}${url}`, { method, headers: withOllama.auth });
    return { status: r.status, json: await r.json() };
  };
  const finished = (id: string) =>
    until(async () => {
      const d = ((await call('GET', '/api/v1/downloads')).json.downloads as DownloadProgressDto[]).find((x) => x.model_id === id);
      return d && ['done', 'failed', 'cancelled'].includes(d.state) ? d : undefined;
    }, `the ${id} pull`);

  it('the system Ollama is used as is and pulls the tag; the Ollama engine then serves the model', async () => {
    const sys0 = await until(async () => {
      const s = (await call('GET', '/api/v1/system')).json as SystemDto;
      return s.ollama.state === 'external' ? s : undefined;
    }, 'the Ollama probe');
    expect(sys0.ollama).toMatchObject({ source: 'system', url: ollama.url });

    const r = await call('POST', '/api/v1/models/phi2/pull?via=ollama');
    expect(r.status).toBe(202);
    expect(r.json.download).toMatchObject({ model_id: 'phi2', via: 'ollama', file: 'phi:2.7b' });
    const end = await finished('phi2');
    expect(end).toMatchObject({ state: 'done', via: 'ollama', bytes: 4096, total_bytes: 4096 });
    // Ollama's tag is the same model in another build than the catalog's file, and the result says so.
    expect(end.message).toBe("Ollama pulled phi:2.7b. Ollama's phi:2.7b is a Q4_0 build of the same model, not this Q4_K_M file.");
    expect(ollama.requests.find((q) => q.path === '/api/pull')?.body).toEqual({ model: 'phi:2.7b', stream: true });
    const sys = await until(async () => {
      const s = (await call('GET', '/api/v1/system')).json as SystemDto;
      return s.engines.find((e) => e.id === 'ollama')?.models.includes('phi2') ? s : undefined;
    }, 'the Ollama engine to list phi2');
    expect(sys.engines.find((e) => e.id === 'ollama')).toMatchObject({ ok: true, kind: 'system-ollama', url: ollama.url });
  });

  it('a tag Ollama cannot find fails with not_found; a bad via is a 400; no Ollama at all is a 503', async () => {
    expect((await call('POST', '/api/v1/models/mistral-7b/pull?via=ollama')).status).toBe(202);
    const end = await finished('mistral-7b');
    expect(end).toMatchObject({ state: 'failed', error_type: 'not_found' });
    expect(camelKeys(end)).toEqual([]);
    fitsExactly(downloadProgressSchema, end);
    expect(end.message).toBe('Ollama could not pull mistral:7b-instruct-v0.2-q4_K_M: pull model manifest: file does not exist');

    const bad = await call('POST', '/api/v1/models/phi2/pull?via=ftp');
    expect(bad.status).toBe(400);
    expect(bad.json.error.message).toBe('Invalid "via": "ftp". Valid: http (the GGUF file), ollama (Ollama\'s /api/pull).');

    const none = await api('POST', '/api/v1/models/phi2/pull?via=ollama'); // the first server: management off, nothing on OLLAMA_HOST
    expect(none.status).toBe(503);
    expect(none.json.error.message).toMatch(/No Ollama is running to pull "phi2" \(phi:2\.7b\)/);
  });
});
