// Model downloads: resumable HTTP range requests into `<file>.part`, free-disk check, sha256, rename; a manager.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, rename, rm, stat, statfs, truncate, writeFile, readFile, mkdir } from 'node:fs/promises';
import type { DownloadEvent, DownloadProgress, DownloadState } from '../contracts/events.js';
import type { ErrorType } from '../contracts/errors.js';
import { findModel } from '../data/models.js';
import { CoreError, isCoreError } from '../errors.js';
import { localModelIds, modelPath, PART_SUFFIX, validateSource, type ModelSource } from './catalog.js';

/** Free space kept beyond the file itself: the ledger, logs and the OS need room; a disk filled to the byte breaks SQLite. */
export const DEFAULT_DISK_MARGIN_BYTES = 256 * 1024 * 1024;
/** Automatic resumes after a lost connection before the download is reported failed (a later pull resumes again). */
export const DEFAULT_RETRIES = 3;
/** Progress events at most this often (plus every state change): enough for a smooth bar, cheap over SSE. */
const PROGRESS_INTERVAL_MS = 250;
/** The transfer rate is averaged over this window: short enough to follow a changing link, long enough to be steady. */
const RATE_WINDOW_MS = 5_000;
/** A connection that delivers no byte for 30 s is stalled: drop it and resume (undici alone would wait 5 min). */
export const DEFAULT_STALL_TIMEOUT_MS = 30_000;
/** Hashing reads in 4 MiB chunks: fast on SSDs without holding much memory. */
const HASH_CHUNK_BYTES = 4 * 1024 * 1024;

/** Backoff before resume attempt n (1-based): 1 s, 2 s, 4 s, … capped at 30 s. */
export function defaultRetryDelayMs(attempt: number): number {
  return Math.min(30_000, 1_000 * 2 ** (attempt - 1));
}

/** Where downloaded bytes go; injectable so tests can simulate a full disk. */
export interface PartWriter {
  write(chunk: Uint8Array): Promise<void>;
  close(): Promise<void>;
}

/** The I/O a download performs, injectable for tests. */
export interface DownloadIo {
  fetch: typeof fetch;
  /** Open `file` for appending. */
  openPart(file: string): Promise<PartWriter>;
  /** Bytes free for this user on the file system holding `dir`. */
  diskFreeBytes(dir: string): Promise<number>;
}

const realIo: DownloadIo = {
  fetch: (input, init) => fetch(input, init),
  openPart: async (file) => {
    const h = await open(file, 'a');
    return {
      async write(chunk) {
        let off = 0;
        while (off < chunk.length) off += (await h.write(chunk, off, chunk.length - off)).bytesWritten;
      },
      close: () => h.close(),
    };
  },
  diskFreeBytes: async (dir) => {
    const s = await statfs(dir);
    return s.bavail * s.bsize;
  },
};

/** Options of {@link downloadModel}. */
export interface DownloadOptions {
  modelsDir: string;
  signal?: AbortSignal;
  onProgress?: (p: DownloadProgress) => void;
  io?: Partial<DownloadIo>;
  retries?: number;
  retryDelayMs?: (attempt: number) => number;
  /** No byte for this long = a stalled connection (resumed like a cut one). */
  stallTimeoutMs?: number;
  diskMarginBytes?: number;
  now?: () => number;
}

/** A failure with the category and the words the user sees. */
class DownloadFailure extends Error {
  constructor(
    readonly type: ErrorType,
    message: string,
    /** Worth another range request (connection lost, 5xx). */
    readonly retryable = false,
  ) {
    super(message);
  }
}

function fmtBytes(n: number): string {
  if (n >= 1024 ** 3) return `${(n / 1024 ** 3).toFixed(2)} GiB`;
  if (n >= 1024 ** 2) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} B`;
}

const isAbort = (e: unknown, signal?: AbortSignal): boolean =>
  signal?.aborted === true || (e instanceof Error && (e.name === 'AbortError' || e.name === 'TimeoutError'));

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

async function fileSize(file: string): Promise<number | null> {
  try {
    const s = await stat(file);
    return s.isFile() ? s.size : null;
  } catch {
    return null;
  }
}

/** Is a process with this pid alive? (EPERM = alive but not ours.) */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Take `<part>.lock` so two processes (the server and the CLI) never append to the same part. A lock whose
 * process is gone is stale and taken over.
 */
async function acquireLock(lockFile: string, modelId: string): Promise<() => Promise<void>> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(lockFile, String(process.pid), { flag: 'wx' });
      return () => rm(lockFile, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = Number((await readFile(lockFile, 'utf8').catch(() => '')).trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
        throw new DownloadFailure('invalid_request', `Model "${modelId}" is already being downloaded by process ${pid}.`);
      }
      if (pid === process.pid) throw new DownloadFailure('invalid_request', `Model "${modelId}" is already being downloaded.`);
      await rm(lockFile, { force: true });
    }
  }
  throw new DownloadFailure('internal', `Could not lock the download of "${modelId}" (${lockFile}).`);
}

/** Rolling byte-rate over the last RATE_WINDOW_MS. */
function rateMeter(now: () => number) {
  const samples: Array<[number, number]> = [];
  return {
    add(bytes: number): void {
      const t = now();
      samples.push([t, bytes]);
      while (samples.length > 2 && t - samples[0]![0] > RATE_WINDOW_MS) samples.shift();
    },
    reset(): void {
      samples.length = 0;
    },
    rate(): number | null {
      if (samples.length < 2) return null;
      const [t0, b0] = samples[0]!;
      const [t1, b1] = samples[samples.length - 1]!;
      return t1 > t0 ? ((b1 - b0) * 1000) / (t1 - t0) : null;
    },
  };
}

/** Parse `Content-Range: bytes START-END/TOTAL`. */
function parseContentRange(h: string | null): { start: number; total: number | null } | null {
  const m = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(h?.trim() ?? '');
  if (!m) return null;
  return { start: Number(m[1]), total: m[2] === '*' ? null : Number(m[2]) };
}

/**
 * Download one model into the models folder. Resolves with the final snapshot (`done`, `failed` or `cancelled`);
 * never rejects for download problems, never leaves a file under the model's name unless its sha256 matched.
 */
export async function downloadModel(source: ModelSource, opts: DownloadOptions): Promise<DownloadProgress> {
  const io: DownloadIo = { ...realIo, ...opts.io };
  const now = opts.now ?? Date.now;
  const retries = opts.retries ?? DEFAULT_RETRIES;
  const delay = opts.retryDelayMs ?? defaultRetryDelayMs;
  const margin = opts.diskMarginBytes ?? DEFAULT_DISK_MARGIN_BYTES;
  const signal = opts.signal;

  const snap: DownloadProgress = {
    modelId: source.id,
    file: source.file,
    via: 'http',
    state: 'queued',
    bytes: 0,
    totalBytes: source.sizeBytes,
    resumedFromBytes: 0,
    bytesPerSecond: null,
    etaSeconds: null,
    startedAt: now(),
    updatedAt: now(),
  };
  let lastEmit = 0;
  const meter = rateMeter(now);
  const emit = (force = false): void => {
    const t = now();
    if (!force && t - lastEmit < PROGRESS_INTERVAL_MS) return;
    lastEmit = t;
    snap.updatedAt = t;
    const r = snap.state === 'downloading' || snap.state === 'verifying' ? meter.rate() : null;
    snap.bytesPerSecond = r === null ? null : Math.round(r);
    snap.etaSeconds = r && r > 0 ? Math.ceil((snap.totalBytes - snap.bytes) / r) : null;
    opts.onProgress?.({ ...snap });
  };
  const setState = (state: DownloadState, message?: string, errorType?: ErrorType): DownloadProgress => {
    snap.state = state;
    if (message === undefined) delete snap.message;
    else snap.message = message;
    if (errorType === undefined) delete snap.errorType;
    else snap.errorType = errorType;
    meter.reset();
    emit(true);
    return { ...snap };
  };

  let final: string;
  let part: string;
  try {
    validateSource(source);
    final = modelPath(opts.modelsDir, source.file);
    part = final + PART_SUFFIX;
  } catch (e) {
    return setState('failed', isCoreError(e) ? e.message : String(e), 'invalid_request');
  }
  emit(true);

  let release: (() => Promise<void>) | undefined;
  try {
    if (signal?.aborted) return setState('cancelled', 'Cancelled before it started.');
    await mkdir(opts.modelsDir, { recursive: true });
    if ((await fileSize(final)) === source.sizeBytes) {
      snap.bytes = source.sizeBytes;
      return setState('done', `${source.file} is already present.`);
    }
    release = await acquireLock(part + '.lock', source.id);

    let have = (await fileSize(part)) ?? 0;
    if (have > source.sizeBytes) {
      await rm(part, { force: true });
      have = 0;
    }
    snap.bytes = have;
    snap.resumedFromBytes = have;

    const need = source.sizeBytes - have + margin;
    const free = await io.diskFreeBytes(opts.modelsDir);
    if (free < need) {
      throw new DownloadFailure(
        'insufficient_storage',
        `Not enough disk space for ${source.label}: ${fmtBytes(source.sizeBytes - have)} to download plus ${fmtBytes(margin)} headroom, ` +
          `but only ${fmtBytes(free)} free in ${opts.modelsDir}. Free some space (or delete a model) and pull again.`,
      );
    }

    setState('downloading', have > 0 ? `Resuming at ${fmtBytes(have)}.` : undefined);
    let attempt = 0;
    let lastFailAt = have;
    while (have < source.sizeBytes) {
      try {
        have = await fetchRange(source, part, have, io, signal, opts.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS, (n) => {
          snap.bytes = n;
          meter.add(n);
          emit();
        });
      } catch (e) {
        if (isAbort(e, signal)) throw e;
        if (!(e instanceof DownloadFailure) || !e.retryable) throw e;
        have = (await fileSize(part)) ?? 0;
        // Only failures in a row without progress count: a long download over a flaky link keeps going.
        if (have > lastFailAt) attempt = 0;
        lastFailAt = have;
        if (attempt >= retries) throw e;
        attempt++;
        snap.bytes = have;
        const wait = delay(attempt);
        setState(
          'downloading',
          `${e.message} Resuming at ${fmtBytes(have)} in ${Math.round(wait / 100) / 10} s (attempt ${attempt} of ${retries}).`,
        );
        await sleep(wait, signal);
      }
    }

    // Verify what is actually on disk, not what was received.
    snap.bytes = 0;
    setState('verifying');
    const hash = createHash('sha256');
    let hashed = 0;
    for await (const chunk of createReadStream(part, { highWaterMark: HASH_CHUNK_BYTES, signal })) {
      hash.update(chunk as Buffer);
      hashed += (chunk as Buffer).length;
      snap.bytes = hashed;
      meter.add(hashed);
      emit();
    }
    const got = hash.digest('hex');
    if (got !== source.sha256) {
      await rm(part, { force: true });
      throw new DownloadFailure(
        'upstream_error',
        `Checksum mismatch for ${source.file}: expected sha256 ${source.sha256}, got ${got}. The downloaded file was deleted; ` +
          `the server sent different bytes than the catalog names (a bad mirror or a changed upstream file).`,
      );
    }
    await rename(part, final);
    snap.bytes = source.sizeBytes;
    return setState('done');
  } catch (e) {
    if (isAbort(e, signal)) {
      const kept = (await fileSize(part)) ?? 0;
      snap.bytes = kept;
      return setState(
        'cancelled',
        kept > 0 ? `Cancelled; ${fmtBytes(kept)} kept in ${source.file}${PART_SUFFIX}, a later pull resumes from there.` : 'Cancelled.',
      );
    }
    if (e instanceof DownloadFailure) return setState('failed', e.message, e.type);
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOSPC' || code === 'EDQUOT') {
      const kept = (await fileSize(part)) ?? 0;
      return setState(
        'failed',
        `The disk filled up while downloading ${source.file} (${fmtBytes(kept)} of ${fmtBytes(source.sizeBytes)} written). ` +
          `Free some space and pull again: the download resumes from there.`,
        'insufficient_storage',
      );
    }
    return setState('failed', `Download of ${source.file} failed: ${code ?? (e instanceof Error ? e.message : String(e))}.`, 'internal');
  } finally {
    await release?.();
  }
}

/** One HTTP request from byte `have` on, appended to `part`. Returns the new size; throws DownloadFailure. */

/**
 * Hosts a catalog download may be redirected to: Hugging Face's CDNs (its /resolve/ URLs answer with a redirect to
 * one of these). Anything else is refused, so a compromised or spoofed redirect cannot point the download elsewhere.
 */
const REDIRECT_HOSTS: ReadonlySet<string> = new Set([
  'huggingface.co',
  'cdn-lfs.huggingface.co',
  'cdn-lfs-us-1.huggingface.co',
  'cdn-lfs.hf.co',
  'cdn-lfs-us-1.hf.co',
  'cdn-lfs-eu-1.hf.co',
  'cas-bridge.xethub.hf.co',
  'transfer.xethub.hf.co',
]);
/** Redirects followed at most (Hugging Face uses one or two). */
const MAX_REDIRECTS = 5;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * A download URL we may fetch: HTTPS, or plain HTTP on this machine only (a local mirror set with
 * HYBRID_AI_MODEL_BASE_URL). A redirect must also stay on the source's own host or a known CDN host.
 */
function checkDownloadUrl(url: URL, sourceHost: string, redirected: boolean): void {
  const local = url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname);
  if (url.protocol !== 'https:' && !local) {
    throw new DownloadFailure(
      'upstream_error',
      `Refusing to download over ${url.protocol.replace(':', '')}: ${url.host} must be reached over HTTPS.`,
    );
  }
  if (redirected && url.host !== sourceHost && !REDIRECT_HOSTS.has(url.hostname)) {
    throw new DownloadFailure(
      'upstream_error',
      `Refusing a redirect to ${url.host}: downloads go only to the catalog's host (${sourceHost}) and its CDN hosts (${[...REDIRECT_HOSTS].join(', ')}).`,
    );
  }
}

/** fetch() following redirects by hand, each hop checked by {@link checkDownloadUrl}. */
async function fetchAllowed(
  io: DownloadIo,
  url: string,
  init: { headers: Record<string, string>; signal: AbortSignal },
): Promise<Response> {
  const sourceHost = new URL(url).host;
  let at = new URL(url);
  checkDownloadUrl(at, sourceHost, false);
  for (let hop = 0; ; hop++) {
    const res = await io.fetch(at.href, { ...init, redirect: 'manual' });
    const location = res.status >= 300 && res.status < 400 ? res.headers.get('location') : null;
    if (location === null) return res;
    await res.body?.cancel().catch(() => undefined);
    if (hop >= MAX_REDIRECTS)
      throw new DownloadFailure('upstream_error', `Too many redirects (more than ${MAX_REDIRECTS}) from ${sourceHost}.`);
    at = new URL(location, at);
    checkDownloadUrl(at, sourceHost, true);
  }
}

async function fetchRange(
  source: ModelSource,
  part: string,
  have: number,
  io: DownloadIo,
  signal: AbortSignal | undefined,
  stallMs: number,
  onBytes: (n: number) => void,
): Promise<number> {
  const headers: Record<string, string> = { 'accept-encoding': 'identity', 'user-agent': 'hybrid-ai-stack' };
  if (have > 0) headers.range = `bytes=${have}-`;
  // Watchdog: every received chunk re-arms it; silence for stallMs aborts this request only (not the download).
  const stall = new AbortController();
  let stallTimer: NodeJS.Timeout | undefined;
  const arm = (): void => {
    clearTimeout(stallTimer);
    stallTimer = setTimeout(() => stall.abort(), stallMs);
  };
  const userAborted = (): boolean => signal?.aborted === true;
  const stalled = (size: number): DownloadFailure =>
    new DownloadFailure(
      'upstream_unavailable',
      `The connection stalled (no data for ${Math.round(stallMs / 100) / 10} s) after ${fmtBytes(size)} of ${fmtBytes(source.sizeBytes)}.`,
      true,
    );
  arm();
  let res: Response;
  try {
    res = await fetchAllowed(io, source.url, {
      headers,
      signal: signal ? AbortSignal.any([signal, stall.signal]) : stall.signal,
    });
  } catch (e) {
    clearTimeout(stallTimer);
    if (userAborted()) throw e;
    if (e instanceof DownloadFailure) throw e;
    if (stall.signal.aborted) throw stalled(have);
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    throw new DownloadFailure(
      'upstream_unavailable',
      `Cannot reach ${new URL(source.url).host} (${cause?.code ?? cause?.message ?? String(e)}).`,
      true,
    );
  }
  const writer = await (async (): Promise<PartWriter | null> => {
    try {
      return await checkResponse(res, source, part, have, io);
    } catch (e) {
      clearTimeout(stallTimer);
      await res.body?.cancel().catch(() => undefined);
      throw e;
    }
  })();
  if (!writer) {
    clearTimeout(stallTimer);
    await res.body?.cancel().catch(() => undefined);
    return source.sizeBytes; // 416: the part already holds every byte
  }
  let size = res.status === 206 ? have : 0;
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      if (size + chunk.length > source.sizeBytes) {
        throw new DownloadFailure(
          'upstream_error',
          `The server sent more than the ${source.sizeBytes} bytes the catalog expects for ${source.file}.`,
        );
      }
      await writer.write(chunk);
      size += chunk.length;
      arm();
      onBytes(size);
    }
  } catch (e) {
    if (e instanceof DownloadFailure || userAborted()) throw e;
    if (stall.signal.aborted) throw stalled(size);
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOSPC' || code === 'EDQUOT' || code === 'EACCES' || code === 'EROFS' || code === 'EIO') throw e;
    throw new DownloadFailure('upstream_unavailable', `Connection lost after ${fmtBytes(size)} of ${fmtBytes(source.sizeBytes)}.`, true);
  } finally {
    clearTimeout(stallTimer);
    await writer.close().catch(() => undefined);
  }
  if (size < source.sizeBytes) {
    throw new DownloadFailure('upstream_unavailable', `Connection closed after ${fmtBytes(size)} of ${fmtBytes(source.sizeBytes)}.`, true);
  }
  return size;
}

/**
 * Judge the response headers: null for 416 (nothing left to fetch), else the part opened for writing (truncated
 * first when the server ignored the range). Throws DownloadFailure for statuses and sizes we cannot use.
 */
async function checkResponse(res: Response, source: ModelSource, part: string, have: number, io: DownloadIo): Promise<PartWriter | null> {
  if (res.status === 416 && have > 0) return null;
  if (res.status === 404) throw new DownloadFailure('not_found', `The server has no ${source.file} (404 Not Found at ${source.url}).`);
  if (res.status >= 500 || res.status === 429) {
    throw new DownloadFailure('upstream_unavailable', `The server answered ${res.status} ${res.statusText} for ${source.file}.`, true);
  }
  if (res.status !== 200 && res.status !== 206) {
    throw new DownloadFailure('upstream_error', `The server answered ${res.status} ${res.statusText} for ${source.url}.`);
  }
  if (res.status === 206) {
    const cr = parseContentRange(res.headers.get('content-range'));
    if (!cr || cr.start !== have) {
      await truncate(part, 0);
      throw new DownloadFailure(
        'upstream_error',
        `The server sent an unexpected range (${res.headers.get('content-range')}); restarting from 0.`,
        true,
      );
    }
    if (cr.total !== null && cr.total !== source.sizeBytes) {
      throw new DownloadFailure(
        'upstream_error',
        `The server offers ${cr.total} bytes for ${source.file}, the catalog expects ${source.sizeBytes}.`,
      );
    }
  } else {
    const len = Number(res.headers.get('content-length'));
    if (Number.isFinite(len) && len > 0 && len !== source.sizeBytes) {
      throw new DownloadFailure(
        'upstream_error',
        `The server offers ${len} bytes for ${source.file}, the catalog expects ${source.sizeBytes}.`,
      );
    }
    // The server ignored the range: start over.
    if (have > 0) await truncate(part, 0);
  }
  if (!res.body) throw new DownloadFailure('upstream_error', `The server sent no body for ${source.file}.`, true);
  return io.openPart(part);
}

/** Options of {@link pullViaOllama}. */
export interface OllamaPullOptions {
  /** Base URL of the Ollama that pulls ("http://127.0.0.1:11434"). */
  ollamaUrl: string;
  signal?: AbortSignal;
  onProgress?: (p: DownloadProgress) => void;
  fetch?: typeof fetch;
  now?: () => number;
}

/**
 * Have Ollama pull the model's tag (`POST /api/pull`, NDJSON progress) and report it with the same events as a
 * GGUF download. Ollama verifies its layers itself; the final snapshot is `done`, `failed` or `cancelled`.
 */
export async function pullViaOllama(source: ModelSource, opts: OllamaPullOptions): Promise<DownloadProgress> {
  const f = opts.fetch ?? ((input, init) => fetch(input, init));
  const now = opts.now ?? Date.now;
  const snap: DownloadProgress = {
    modelId: source.id,
    file: source.ollamaTag,
    via: 'ollama',
    state: 'queued',
    bytes: 0,
    totalBytes: source.sizeBytes,
    resumedFromBytes: 0,
    bytesPerSecond: null,
    etaSeconds: null,
    startedAt: now(),
    updatedAt: now(),
  };
  const meter = rateMeter(now);
  let lastEmit = 0;
  const emit = (force = false): void => {
    const t = now();
    if (!force && t - lastEmit < PROGRESS_INTERVAL_MS) return;
    lastEmit = t;
    snap.updatedAt = t;
    const r = snap.state === 'downloading' ? meter.rate() : null;
    snap.bytesPerSecond = r === null ? null : Math.round(r);
    snap.etaSeconds = r && r > 0 ? Math.ceil((snap.totalBytes - snap.bytes) / r) : null;
    opts.onProgress?.({ ...snap });
  };
  const finish = (state: DownloadState, message?: string, errorType?: ErrorType): DownloadProgress => {
    snap.state = state;
    if (message !== undefined) snap.message = message;
    else delete snap.message;
    if (errorType !== undefined) snap.errorType = errorType;
    emit(true);
    return { ...snap };
  };
  emit(true);
  const layers = new Map<string, { total: number; completed: number }>();
  try {
    const res = await f(`${opts.ollamaUrl}/api/pull`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: source.ollamaTag, stream: true }),
      signal: opts.signal,
    });
    if (!res.ok || !res.body) {
      const text = await res.text().catch(() => '');
      return finish('failed', `Ollama refused to pull ${source.ollamaTag}: ${res.status} ${text.slice(0, 200)}`.trim(), 'upstream_error');
    }
    snap.state = 'downloading';
    emit(true);
    const decoder = new TextDecoder();
    let buf = '';
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buf += decoder.decode(chunk, { stream: true });
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const raw = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (!raw) continue;
        let line: { status?: string; error?: string; digest?: string; total?: number; completed?: number };
        try {
          line = JSON.parse(raw) as typeof line;
        } catch {
          continue;
        }
        if (line.error) {
          const missing = /file does not exist|not found/i.test(line.error);
          return finish('failed', `Ollama could not pull ${source.ollamaTag}: ${line.error}`, missing ? 'not_found' : 'upstream_error');
        }
        if (line.digest && typeof line.total === 'number') {
          layers.set(line.digest, { total: line.total, completed: line.completed ?? 0 });
          const totals = [...layers.values()];
          snap.totalBytes = totals.reduce((a, l) => a + l.total, 0);
          snap.bytes = totals.reduce((a, l) => a + l.completed, 0);
          meter.add(snap.bytes);
          emit();
        } else if (line.status && /verifying|writing manifest/i.test(line.status) && snap.state !== 'verifying') {
          snap.state = 'verifying';
          emit(true);
        } else if (line.status === 'success') {
          snap.bytes = snap.totalBytes;
          return finish('done', `Ollama pulled ${source.ollamaTag}. ${source.ollamaNote}.`);
        }
      }
    }
    return finish('failed', `Ollama's pull of ${source.ollamaTag} ended without "success".`, 'upstream_unavailable');
  } catch (e) {
    if (isAbort(e, opts.signal)) return finish('cancelled', 'Cancelled; Ollama keeps the layers it has and resumes on the next pull.');
    const cause = (e as { cause?: { code?: string } }).cause;
    return finish('failed', `Cannot reach Ollama at ${opts.ollamaUrl} (${cause?.code ?? (e as Error).message}).`, 'upstream_unavailable');
  }
}

/** A download in the manager. */
interface Active {
  controller: AbortController;
  done: Promise<DownloadProgress>;
}

/** Options of {@link createDownloadManager}. */
export interface DownloadManagerOptions extends Omit<DownloadOptions, 'signal' | 'onProgress'> {
  sources: readonly ModelSource[];
  /** Called once per finished download (e.g. to re-probe engines after `done`). */
  onFinished?: (p: DownloadProgress) => void;
  /** Base URL of the Ollama in use, for pulls `via: 'ollama'` (null when none runs). */
  ollamaUrl?: () => string | null;
}

/** One download per model at a time, shared by the API and the CLI; subscribers get every progress event. */
export interface DownloadManager {
  /**
   * Start (or join) the download of a model. Rejects with CoreError: `invalid_request` for an unknown or cloud id
   * (the message lists the valid ids), `insufficient_storage` when the disk cannot hold it, `no_model_available`
   * for `via: 'ollama'` when no Ollama runs. `via` defaults to `http` (the GGUF for the embedded engine).
   */
  start(modelId: string, opts?: { via?: 'http' | 'ollama' }): Promise<DownloadProgress>;
  /** Cancel a running download; not_found when none runs for this model. */
  cancel(modelId: string): DownloadProgress;
  /** The latest snapshot of every download since start (running ones and the last finished one per model). */
  list(): DownloadProgress[];
  /** Whether a download of this model is running. */
  isActive(modelId: string): boolean;
  /** Resolves with the final snapshot of the running (or last) download of this model. */
  wait(modelId: string): Promise<DownloadProgress | undefined>;
  subscribe(listener: (e: DownloadEvent) => void): () => void;
  /** Resolve a request's id or alias to its source; throws invalid_request listing the valid ids. */
  source(modelId: string): ModelSource;
  /** Cancel everything and wait for the files to be closed. */
  close(): Promise<void>;
}

/** Create the download manager over the resolved catalog sources. */
export function createDownloadManager(opts: DownloadManagerOptions): DownloadManager {
  const latest = new Map<string, DownloadProgress>();
  const active = new Map<string, Active>();
  const listeners = new Set<(e: DownloadEvent) => void>();
  const io: DownloadIo = { ...realIo, ...opts.io };

  const publish = (p: DownloadProgress): void => {
    latest.set(p.modelId, p);
    for (const l of listeners) {
      try {
        l({ type: 'download', progress: p });
      } catch {
        // A broken subscriber (a closed SSE socket) must not stop the download.
      }
    }
  };

  const settled = (p: DownloadProgress): DownloadProgress => {
    active.delete(p.modelId);
    publish(p);
    opts.onFinished?.(p);
    return p;
  };

  const source = (modelId: string): ModelSource => {
    const entry = findModel(modelId);
    const s = entry && opts.sources.find((x) => x.id === entry.id);
    if (!s) {
      const why =
        entry?.kind === 'cloud' ? `"${modelId}" is a cloud model: there is nothing to download` : `Unknown local model "${modelId}"`;
      throw new CoreError('invalid_request', `${why}. Valid: ${localModelIds().join(', ')}.`);
    }
    return s;
  };

  return {
    source,
    async start(modelId, startOpts = {}) {
      const s = source(modelId);
      const running = active.get(s.id);
      if (running) return latest.get(s.id)!;
      if (startOpts.via === 'ollama') {
        const url = opts.ollamaUrl?.() ?? null;
        if (!url) {
          throw new CoreError(
            'no_model_available',
            `No Ollama is running to pull "${s.id}" (${s.ollamaTag}); pull the GGUF instead (via=http).`,
          );
        }
        const controller = new AbortController();
        const done = pullViaOllama(s, { ollamaUrl: url, signal: controller.signal, onProgress: publish, now: opts.now }).then(settled);
        active.set(s.id, { controller, done });
        return latest.get(s.id)!;
      }
      // The quick checks answer the caller at once; the download itself repeats them (the disk may fill meanwhile).
      const final = modelPath(opts.modelsDir, s.file);
      const have = (await fileSize(final + PART_SUFFIX)) ?? 0;
      const margin = opts.diskMarginBytes ?? DEFAULT_DISK_MARGIN_BYTES;
      if ((await fileSize(final)) !== s.sizeBytes) {
        await mkdir(opts.modelsDir, { recursive: true });
        const free = await io.diskFreeBytes(opts.modelsDir);
        if (free < s.sizeBytes - have + margin) {
          throw new CoreError(
            'insufficient_storage',
            `Not enough disk space for ${s.label}: it needs ${fmtBytes(s.sizeBytes - have)} plus ${fmtBytes(margin)} headroom, ` +
              `${fmtBytes(free)} is free in ${opts.modelsDir}.`,
          );
        }
      }
      if (active.get(s.id)) return latest.get(s.id)!;
      const controller = new AbortController();
      const done = downloadModel(s, { ...opts, signal: controller.signal, onProgress: publish }).then(settled);
      active.set(s.id, { controller, done });
      return latest.get(s.id)!;
    },
    cancel(modelId) {
      const s = source(modelId);
      const a = active.get(s.id);
      if (!a) throw new CoreError('not_found', `No download of "${s.id}" is running.`);
      a.controller.abort();
      return latest.get(s.id)!;
    },
    list: () => [...latest.values()].map((p) => ({ ...p })),
    isActive: (modelId) => {
      const e = findModel(modelId);
      return e !== undefined && active.has(e.id);
    },
    async wait(modelId) {
      const s = source(modelId);
      const a = active.get(s.id);
      return a ? a.done : latest.get(s.id);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      for (const a of active.values()) a.controller.abort();
      await Promise.allSettled([...active.values()].map((a) => a.done));
      listeners.clear();
    },
  };
}
