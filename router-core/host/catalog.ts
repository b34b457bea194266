// Model files on disk: where each catalog model lives, which are present or missing, deleting one, disk usage.
import { readFileSync } from 'node:fs';
import { lstat, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Tier } from '../contracts/decision.js';
import { isPermissive, licenceLabel, localModels, ollamaBuildNote, type LocalModelEntry, type LocalRoute } from '../data/models.js';
import { CoreError } from '../errors.js';

/** Everything a download needs about one model: the catalog entry with any mirror or override applied. */
export interface ModelSource {
  id: string;
  label: string;
  /** File name inside the models folder (always the catalog's). */
  file: string;
  url: string;
  sizeBytes: number;
  sha256: string;
  /** Licence as shown: the SPDX id, or "custom: <name> (not permissive: …)". */
  licence: string;
  /** Tag under which Ollama pulls the same model (`/api/pull`). */
  ollamaTag: string;
  /** What that tag is compared with the catalog file ("a Q4_0 build of the same model, not this Q4_K_M file"). */
  ollamaNote: string;
}

/** One local model as `GET /api/v1/models/local` and `hybrid-ai models list` show it. */
export interface LocalModelStatus {
  id: string;
  label: string;
  file: string;
  quantization: string;
  /** Licence as shown: the SPDX id, or "custom: <name> (not permissive: …)". */
  licence: string;
  /** False for a custom licence with use restrictions (no SPDX id); shown as a warning, not beside Apache-2.0 as equal. */
  licencePermissive: boolean;
  /** The licence text (upstream model's, where a GGUF card shows an outdated one). */
  licenceUrl: string;
  /** Hugging Face repository and the commit the file is pinned to. */
  repo: string;
  revision: string;
  /** What Ollama's tag is compared with this file ("a Q4_0 build of the same model, not this Q4_K_M file"). */
  ollamaNote: string;
  /** Benchmark evidence for the model's place on its rung, and where it comes from. */
  evidence: { summary: string; source: string };
  /** The model thinks aloud by default; routed answers switch that off. */
  hybridThinking: boolean;
  ladderRoute: LocalRoute;
  minTier: Tier;
  ramMiB: number;
  contextLength: number;
  ollamaTag: string;
  url: string;
  /** Expected size from the catalog. */
  sizeBytes: number;
  /** A file exists under the model's name. */
  present: boolean;
  /** Size of that file (0 when missing). */
  bytesOnDisk: number;
  /** Size of an unfinished `<file>.part` (0 when none): a pull resumes from here. */
  partialBytes: number;
}

/** The models folder at a glance. */
export interface ModelsOnDisk {
  models: LocalModelStatus[];
  /** Bytes used by every file in the models folder (finished, partial and foreign files). */
  diskUsedBytes: number;
}

/** A catalog file name: letters, digits, dot, dash, underscore, ending in .gguf; no separators, no leading dot. */
const SAFE_FILE = /^[A-Za-z0-9][A-Za-z0-9._-]*\.gguf$/;
const SHA256 = /^[0-9a-f]{64}$/;

/** Suffix of the temp file a download writes before the checksum is verified. */
export const PART_SUFFIX = '.part';

/**
 * The absolute path of a catalog file inside `modelsDir`. Refuses anything that is not a plain file name or
 * that would resolve outside the folder, so no request can make the core write or delete elsewhere.
 */
export function modelPath(modelsDir: string, file: string): string {
  const root = path.resolve(modelsDir);
  const full = path.resolve(root, file);
  if (!SAFE_FILE.test(file) || file.includes('..') || path.dirname(full) !== root) {
    throw new CoreError('invalid_request', `Refusing the model file name "${file}": only plain .gguf names from the catalog are allowed.`);
  }
  return full;
}

/** Check a source before any byte is fetched; the message names the model and the bad field. */
export function validateSource(s: ModelSource): void {
  const bad = (what: string): never => {
    throw new CoreError('invalid_request', `Catalog entry "${s.id}" has ${what}.`);
  };
  if (!SAFE_FILE.test(s.file)) bad(`an unsafe file name "${s.file}"`);
  let url: URL;
  try {
    url = new URL(s.url);
  } catch {
    return bad(`a bad URL "${s.url}" (not a URL)`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') bad(`a bad URL "${s.url}" (only http and https are allowed)`);
  if (url.username || url.password) bad(`a bad URL "${s.url}" (credentials in URLs are not allowed)`);
  if (!Number.isSafeInteger(s.sizeBytes) || s.sizeBytes <= 0) bad(`a bad size ${s.sizeBytes} (must be a positive number of bytes)`);
  if (!SHA256.test(s.sha256)) bad(`a bad sha256 "${s.sha256}" (must be 64 lowercase hex digits)`);
}

function fromEntry(m: LocalModelEntry): ModelSource {
  return {
    id: m.id,
    label: m.label,
    file: m.file,
    url: m.url,
    sizeBytes: m.sizeBytes,
    sha256: m.sha256,
    licence: licenceLabel(m.licence),
    ollamaTag: m.ollamaTag,
    ollamaNote: ollamaBuildNote(m),
  };
}

/** Valid local model ids, for error messages. */
export function localModelIds(): string[] {
  return localModels.map((m) => m.id);
}

/**
 * The catalog's download sources, with two documented overrides:
 * - `HYBRID_AI_MODEL_BASE_URL`: a mirror; each URL becomes `<base>/<file>` (e.g. an internal mirror, or a test server).
 * - `HYBRID_AI_MODEL_CATALOG`: a JSON file `{ "<id>": { "url"?, "sizeBytes"?, "sha256"? } }` replacing those fields
 *   for some models (an air-gapped mirror with its own builds; tests serving a generated GGUF). File names and ids
 *   always stay the catalog's.
 * Throws CoreError('invalid_request') naming the variable, the file and the bad field.
 */
export function resolveModelSources(env: NodeJS.ProcessEnv = process.env): ModelSource[] {
  return modelSourcesFrom({ baseUrl: env.HYBRID_AI_MODEL_BASE_URL, catalogFile: env.HYBRID_AI_MODEL_CATALOG });
}

/** resolveModelSources from parsed config (server/config.ts reads the two variables into these fields). */
export function modelSourcesFrom(o: { baseUrl?: string; catalogFile?: string }): ModelSource[] {
  const base = o.baseUrl?.trim();
  let overrides: Record<string, Partial<Pick<ModelSource, 'url' | 'sizeBytes' | 'sha256'>>> = {};
  const file = o.catalogFile?.trim();
  if (file) overrides = readOverrides(file);
  if (base) {
    try {
      const u = new URL(base);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('not http(s)');
    } catch {
      throw new CoreError(
        'invalid_request',
        `Invalid HYBRID_AI_MODEL_BASE_URL "${base}": give an http(s) URL such as https://mirror.example/models.`,
      );
    }
  }
  const sources = localModels.map((m) => {
    const s = fromEntry(m);
    if (base) s.url = `${base.replace(/\/+$/, '')}/${encodeURIComponent(m.file)}`;
    return { ...s, ...overrides[m.id] };
  });
  for (const s of sources) validateSource(s);
  return sources;
}

function readOverrides(file: string): Record<string, Partial<Pick<ModelSource, 'url' | 'sizeBytes' | 'sha256'>>> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new CoreError(
      'invalid_request',
      `Cannot read HYBRID_AI_MODEL_CATALOG file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}.`,
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new CoreError('invalid_request', `HYBRID_AI_MODEL_CATALOG file ${file} must hold a JSON object keyed by model id.`);
  const ids = localModelIds();
  const out: Record<string, Partial<Pick<ModelSource, 'url' | 'sizeBytes' | 'sha256'>>> = {};
  for (const [id, v] of Object.entries(parsed)) {
    if (!ids.includes(id))
      throw new CoreError('invalid_request', `Unknown model "${id}" in HYBRID_AI_MODEL_CATALOG file ${file}. Valid: ${ids.join(', ')}.`);
    if (typeof v !== 'object' || v === null || Array.isArray(v))
      throw new CoreError('invalid_request', `Model "${id}" in ${file} must be an object with url, sizeBytes and/or sha256.`);
    const entry: Partial<Pick<ModelSource, 'url' | 'sizeBytes' | 'sha256'>> = {};
    for (const [k, val] of Object.entries(v as Record<string, unknown>)) {
      if (k === 'url' && typeof val === 'string') entry.url = val;
      else if (k === 'sizeBytes' && typeof val === 'number') entry.sizeBytes = val;
      else if (k === 'sha256' && typeof val === 'string') entry.sha256 = val.toLowerCase();
      else
        throw new CoreError(
          'invalid_request',
          `Invalid "${id}.${k}" in ${file}: valid fields are url (string), sizeBytes (number), sha256 (string).`,
        );
    }
    out[id] = entry;
  }
  return out;
}

async function sizeOf(file: string): Promise<number> {
  try {
    const s = await stat(file);
    return s.isFile() ? s.size : 0;
  } catch {
    return 0;
  }
}

/** Bytes used by the regular files directly inside `dir` (0 when it does not exist). */
export async function folderBytes(dir: string): Promise<number> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return 0;
  }
  const sizes = await Promise.all(
    names.map(async (n) => {
      try {
        const s = await lstat(path.join(dir, n));
        return s.isFile() ? s.size : 0;
      } catch {
        return 0;
      }
    }),
  );
  return sizes.reduce((a, b) => a + b, 0);
}

/** Which catalog models are on disk, their sizes, unfinished parts, and the folder's total usage. */
export async function listModelsOnDisk(modelsDir: string, sources: readonly ModelSource[] = resolveModelSources()): Promise<ModelsOnDisk> {
  const byId = new Map(sources.map((s) => [s.id, s]));
  const models = await Promise.all(
    localModels.map(async (m): Promise<LocalModelStatus> => {
      const src = byId.get(m.id) ?? fromEntry(m);
      const full = modelPath(modelsDir, m.file);
      const bytesOnDisk = await sizeOf(full);
      const present = await stat(full).then(
        (s) => s.isFile(),
        () => false,
      );
      return {
        id: m.id,
        label: m.label,
        file: m.file,
        quantization: m.quantization,
        licence: licenceLabel(m.licence),
        licencePermissive: isPermissive(m.licence),
        licenceUrl: m.licence.url,
        repo: m.repo,
        revision: m.revision,
        ollamaNote: ollamaBuildNote(m),
        evidence: m.evidence,
        hybridThinking: m.hybridThinking === true,
        ladderRoute: m.ladderRoute,
        minTier: m.minTier,
        ramMiB: m.ramMiB,
        contextLength: m.contextLength,
        ollamaTag: m.ollamaTag,
        url: src.url,
        sizeBytes: src.sizeBytes,
        present,
        bytesOnDisk,
        partialBytes: await sizeOf(full + PART_SUFFIX),
      };
    }),
  );
  return { models, diskUsedBytes: await folderBytes(modelsDir) };
}

/**
 * Delete a model's file and any unfinished part. Returns the bytes freed; throws not_found when there was nothing
 * to delete. The caller makes sure no download of it is running.
 */
export async function deleteModelFiles(modelsDir: string, source: Pick<ModelSource, 'id' | 'file'>): Promise<{ freedBytes: number }> {
  const full = modelPath(modelsDir, source.file);
  let freed = 0;
  let found = false;
  for (const f of [full, full + PART_SUFFIX]) {
    const size = await lstat(f).then(
      (s) => (s.isFile() || s.isSymbolicLink() ? s.size : -1),
      () => -1,
    );
    if (size < 0) continue;
    found = true;
    await rm(f, { force: true });
    freed += size;
  }
  if (!found) throw new CoreError('not_found', `Model "${source.id}" is not on disk (no ${source.file} in ${modelsDir}).`);
  return { freedBytes: freed };
}
