// Progress events shared by the UI and the CLI: model downloads and the Ollama process.
import type { ErrorType } from './errors.js';

/*
 * One model download:
 *
 *   queued ──► downloading ──► verifying ──► done
 *     │           │    ▲           │
 *     │           │    └───────────┼── connection lost: resume with `Range: bytes=N-` after a backoff
 *     │           │                │    (stays `downloading`; `message` says which attempt)
 *     │           ├────────────────┴──► failed     (HTTP error, disk full, size or checksum mismatch)
 *     └───────────┴───────────────────► cancelled  (AbortSignal / DELETE /api/v1/downloads/:id / Ctrl-C)
 *
 * `done`, `failed` and `cancelled` are final. Only `done` puts a file under the model's name; the other two
 * leave at most `<file>.part` (kept after a lost connection, disk full or cancel so a later pull resumes;
 * deleted after a checksum mismatch).
 */
export type DownloadState = 'queued' | 'downloading' | 'verifying' | 'done' | 'failed' | 'cancelled';

/** A snapshot of one download; every event carries the whole snapshot so a late subscriber needs nothing else. */
export interface DownloadProgress {
  /** Catalog model id. */
  modelId: string;
  /** File name inside the models folder (from the catalog, never from a request); the Ollama tag when `via` is ollama. */
  file: string;
  /** `http`: a GGUF into the models folder (embedded engine); `ollama`: pulled by Ollama (`/api/pull`) into its store. */
  via: 'http' | 'ollama';
  state: DownloadState;
  /** Bytes on disk so far (a resumed part included); while verifying, bytes hashed so far. */
  bytes: number;
  /** Expected size from the catalog. */
  totalBytes: number;
  /** Bytes that were already on disk when this download started (resumed from a `.part`). */
  resumedFromBytes: number;
  /** Recent transfer rate (or hashing rate while verifying); null until measured. */
  bytesPerSecond: number | null;
  /** Seconds left at the recent rate; null when unknown. */
  etaSeconds: number | null;
  /** Epoch ms. */
  startedAt: number;
  updatedAt: number;
  /** Human-readable detail: the error for `failed`, a retry note while `downloading`. */
  message?: string;
  /** Error category for `failed`. */
  errorType?: ErrorType;
}

/** One event on the download stream (`GET /api/v1/downloads/events`, the CLI progress bar). */
export interface DownloadEvent {
  type: 'download';
  progress: DownloadProgress;
}

/*
 * The Ollama process manager:
 *
 *   idle ──► probing ──┬──► external      a system Ollama already answers on OLLAMA_HOST: used, never stopped by us
 *                      ├──► unavailable   no Ollama anywhere (the embedded engine serves instead)
 *                      └──► starting ──► running
 *                              ▲   │        │ the process exits (or never answers /api/version in time)
 *                              │   └────────┴──► crashed ──► backoff ──┐
 *                              └───────────────────────────────────────┘ (1 s, 2 s, 4 s, … capped)
 *                                           too many crashes in a row ──► failed
 *
 *   any state ──► stopping ──► stopped    (core shutdown: SIGTERM, then SIGKILL after a timeout)
 */
export type OllamaProcessState =
  'idle' | 'probing' | 'external' | 'unavailable' | 'starting' | 'running' | 'crashed' | 'backoff' | 'failed' | 'stopping' | 'stopped';

/** Where the Ollama in use came from. */
export type OllamaSource = 'system' | 'path' | 'bundled';

/** A snapshot of the Ollama process manager. */
export interface OllamaProcessStatus {
  state: OllamaProcessState;
  /** `system` = somebody else's server on OLLAMA_HOST; `path`/`bundled` = a process we started. */
  source: OllamaSource | null;
  /** Base URL of the Ollama in use ("http://127.0.0.1:PORT"), once known. */
  url: string | null;
  /** The executable we start, when we start one. */
  binary: string | null;
  pid: number | null;
  /** Restarts after crashes since the manager started. */
  restarts: number;
  /** Why the state is what it is (last exit, what was not found). */
  message?: string;
}

/** One event on the Ollama process stream. */
export interface OllamaProcessEvent {
  type: 'ollama-process';
  status: OllamaProcessStatus;
}
