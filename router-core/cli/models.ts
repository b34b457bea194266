// `hybrid-ai models list|pull|rm`: the local model files, with a terminal progress bar for downloads.
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { DownloadProgress } from '../contracts/events.js';
import { findModel } from '../data/models.js';
import { recommendationsFor, tierLadders } from '../data/tiers.js';
import { isCoreError } from '../errors.js';
import { localModelsDto } from '../gateway/models-dto.js';
import { deleteModelFiles, listModelsOnDisk, localModelIds, modelSourcesFrom, type ModelSource } from '../host/catalog.js';
import { openDataDir } from '../host/data-dir.js';
import { downloadModel } from '../host/downloads.js';
import { detectHardware } from '../host/hardware.js';
import { pickTier } from '../routing/tiering.js';
import { loadConfig } from '../server/config.js';

const usage = `Usage: hybrid-ai models <command> [--data-dir D]

Commands:
  list [--json]        catalog models: on disk, partly downloaded or missing; disk use; what this machine's tier wants
  pull <id>            download a model (resumes a partial download; verifies its sha256); Ctrl-C cancels
  rm <id>              delete a model's file (and any partial download)

Models: ${localModelIds().join(', ')}
Environment: HYBRID_AI_DATA_DIR, HYBRID_AI_MODEL_BASE_URL (download mirror), HYBRID_AI_MODEL_CATALOG (JSON overrides)
`;

/** Progress redraws at most this often on a terminal (smooth without flooding a slow terminal). */
const REDRAW_MS = 100;
/** Without a terminal (logs, CI) one line per this many percent, plus every state change. */
const LOG_STEP_PERCENT = 25;
/** Bar cells: leaves room for the numbers on an 80-column terminal. */
const BAR_WIDTH = 24;

/** Pure: bytes for humans. */
export function formatBytes(n: number): string {
  if (n >= 1024 ** 3) return `${(n / 1024 ** 3).toFixed(2)} GiB`;
  if (n >= 1024 ** 2) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} B`;
}

/** Pure: seconds as m:ss or h:mm:ss. */
export function formatEta(s: number | null): string {
  if (s === null || !Number.isFinite(s)) return '--:--';
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = Math.floor(s % 60);
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${String(sec).padStart(2, '0')}` : `${m}:${String(sec).padStart(2, '0')}`;
}

/** Pure: one progress line ("tinyllama downloading [█████░░░]  52%  331.2 MiB / 637.8 MiB  12.3 MiB/s  ETA 0:24"). */
export function progressLine(p: DownloadProgress, width = BAR_WIDTH): string {
  const frac = p.totalBytes > 0 ? Math.min(1, p.bytes / p.totalBytes) : 0;
  const filled = Math.round(frac * width);
  const bar = `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}]`;
  const pct = `${String(Math.floor(frac * 100)).padStart(3)}%`;
  const rate = p.bytesPerSecond ? `${formatBytes(p.bytesPerSecond)}/s` : '';
  const eta = p.state === 'downloading' || p.state === 'verifying' ? `ETA ${formatEta(p.etaSeconds)}` : '';
  return [p.modelId, p.state.padEnd(11), bar, pct, `${formatBytes(p.bytes)} / ${formatBytes(p.totalBytes)}`, rate, eta]
    .filter(Boolean)
    .join('  ');
}

function sources(config: { modelBaseUrl?: string; modelCatalog?: string }): ModelSource[] {
  return modelSourcesFrom({ baseUrl: config.modelBaseUrl, catalogFile: config.modelCatalog });
}

async function list(modelsDir: string, src: ModelSource[], json: boolean, localModel: string | undefined): Promise<number> {
  const [disk, hw, overrideSize] = await Promise.all([
    listModelsOnDisk(modelsDir, src),
    detectHardware({ dataDir: modelsDir }),
    localModel
      ? stat(localModel).then(
          (st) => st.size,
          () => null,
        )
      : null,
  ]);
  const tier = pickTier(hw);
  const recommendations = recommendationsFor(tier.tier);
  const wanted = recommendations.map((r) => r.id);
  // HYBRID_AI_LOCAL_MODEL serves every local route from one file, whatever the catalog files below say (as the
  // server's GET /api/v1/models/local reports it).
  const override = localModel ? { path: localModel, name: path.basename(localModel), sizeBytes: overrideSize } : null;
  // Which present file answers each rung now: the first of the tier's ladder (best first) whose file is complete.
  const present = new Set(disk.models.filter((m) => m.present && m.bytesOnDisk === m.sizeBytes).map((m) => m.id));
  const ladder = tierLadders[tier.tier].routes;
  const answering: Partial<Record<'small' | 'medium' | 'large', string>> = {};
  if (!override)
    for (const route of ['small', 'medium', 'large'] as const) {
      const id = ladder[route]?.find((x) => present.has(x));
      if (id) answering[route] = id;
    }
  const answers = (id: string): string[] =>
    Object.entries(answering)
      .filter(([, x]) => x === id)
      .map(([route]) => `answers ${route}`);
  if (json) {
    // The rows and the override as GET /api/v1/models/local names them (snake_case); free space is the table's.
    const { models, disk_used_bytes, local_model_file } = localModelsDto(disk, [], null, override);
    const out = { models, disk_used_bytes, models_dir: modelsDir, tier, recommended: wanted, recommendations, answering, local_model_file };
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    return 0;
  }
  const rows = disk.models.map((m) => [
    m.id,
    override
      ? `served by ${override.name}`
      : m.present
        ? m.bytesOnDisk === m.sizeBytes
          ? 'present'
          : `present (${formatBytes(m.bytesOnDisk)}, expected ${formatBytes(m.sizeBytes)})`
        : m.partialBytes > 0
          ? `partial ${Math.floor((m.partialBytes / m.sizeBytes) * 100)}%`
          : 'missing',
    formatBytes(m.sizeBytes),
    `${m.ladderRoute} (tier ${m.minTier}+)`,
    // A custom licence is flagged, not listed beside Apache-2.0 as an equal; the note below the table spells it out.
    m.licencePermissive ? m.licence : 'CUSTOM (not permissive)',
    [...(wanted.includes(m.id) ? ['recommended'] : []), ...answers(m.id)].join(', '),
  ]);
  const head = ['MODEL', 'STATUS', 'SIZE', 'RUNG', 'LICENCE', ''];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (r: string[]): string =>
    r
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  const free = hw.diskFreeMiB.known
    ? `${formatBytes(hw.diskFreeMiB.value * 1024 * 1024)} free`
    : `free space unknown (${hw.diskFreeMiB.reason})`;
  process.stdout.write(
    [
      fmt(head),
      ...rows.map(fmt),
      '',
      ...(override
        ? [
            `HYBRID_AI_LOCAL_MODEL=${override.path}${override.sizeBytes === null ? ' (not readable)' : ` (${formatBytes(override.sizeBytes)})`} answers every local model name above.`,
          ]
        : []),
      `Models folder: ${modelsDir} (${formatBytes(disk.diskUsedBytes)} used, ${free})`,
      `This machine: ${tier.reason}`,
      ...(recommendations.length > 0 ? ['Recommended for this tier:', ...recommendations.map((r) => `  ${r.id}: ${r.reason}`)] : []),
      ...disk.models.filter((m) => !m.licencePermissive).map((m) => `Licence of ${m.id}: ${m.licence}; text: ${m.licenceUrl}`),
      '',
    ].join('\n'),
  );
  return 0;
}

async function pull(modelsDir: string, src: ModelSource[], id: string): Promise<number> {
  const entry = findModel(id);
  const source = entry && src.find((s) => s.id === entry.id);
  if (!source) {
    const why = entry?.kind === 'cloud' ? `"${id}" is a cloud model: there is nothing to download` : `unknown local model "${id}"`;
    process.stderr.write(`hybrid-ai models pull: ${why}. Valid: ${localModelIds().join(', ')}.\n`);
    return 2;
  }
  process.stderr.write(`Pulling ${source.label} (${formatBytes(source.sizeBytes)}, ${source.licence}) from ${source.url}\n`);
  const tty = process.stderr.isTTY === true;
  const ac = new AbortController();
  const onSigint = (): void => ac.abort();
  process.once('SIGINT', onSigint);
  let lastDraw = 0;
  let lastState = '';
  let lastStep = -1;
  const draw = (p: DownloadProgress): void => {
    const t = Date.now();
    if (tty) {
      if (p.state === lastState && t - lastDraw < REDRAW_MS) return;
      lastDraw = t;
      lastState = p.state;
      process.stderr.write(`\r\x1b[2K${progressLine(p)}`);
      return;
    }
    const step = Math.floor(((p.bytes / Math.max(1, p.totalBytes)) * 100) / LOG_STEP_PERCENT);
    if (p.state === lastState && step === lastStep) return;
    lastState = p.state;
    lastStep = step;
    process.stderr.write(`${progressLine(p)}${p.message && p.state === 'downloading' ? `  (${p.message})` : ''}\n`);
  };
  try {
    const final = await downloadModel(source, { modelsDir, signal: ac.signal, onProgress: draw });
    if (tty) process.stderr.write('\n');
    if (final.state === 'done') {
      process.stderr.write(`${final.message ?? `${source.file} downloaded and verified (sha256 ${source.sha256.slice(0, 12)}…).`}\n`);
      return 0;
    }
    process.stderr.write(`hybrid-ai models pull: ${final.message ?? final.state}\n`);
    return final.state === 'cancelled' ? 130 : 1;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

async function remove(modelsDir: string, src: ModelSource[], id: string): Promise<number> {
  const entry = findModel(id);
  const source = entry && src.find((s) => s.id === entry.id);
  if (!source) {
    process.stderr.write(`hybrid-ai models rm: unknown local model "${id}". Valid: ${localModelIds().join(', ')}.\n`);
    return 2;
  }
  const { freedBytes } = await deleteModelFiles(modelsDir, source);
  process.stdout.write(`Deleted ${source.file} (${formatBytes(freedBytes)} freed).\n`);
  return 0;
}

/** Entry from cli/main.ts; returns the exit code. */
export async function runModels(argv: string[]): Promise<number> {
  let values: { 'data-dir'?: string; json?: boolean; help?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      options: { 'data-dir': { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    }));
  } catch (e) {
    process.stderr.write(`hybrid-ai models: ${(e as Error).message}\n\n${usage}`);
    return 2;
  }
  const [cmd, id, ...extra] = positionals;
  if (values.help || cmd === undefined || cmd === 'help') {
    process.stdout.write(usage);
    return cmd === undefined && !values.help ? 2 : 0;
  }
  const needsId = cmd === 'pull' || cmd === 'rm';
  if (!['list', 'pull', 'rm'].includes(cmd) || (needsId && !id) || (!needsId && id !== undefined) || extra.length > 0) {
    process.stderr.write(
      `hybrid-ai models: ${['list', 'pull', 'rm'].includes(cmd) ? `bad arguments for "${cmd}"` : `unknown command "${cmd}" (valid: list, pull, rm)`}\n\n${usage}`,
    );
    return 2;
  }
  try {
    const config = loadConfig(values['data-dir'] ? ['--data-dir', values['data-dir']] : []);
    if (config === 'help') return 0;
    const dir = openDataDir(config.dataDir);
    const src = sources(config);
    if (cmd === 'list') return await list(dir.modelsDir, src, values.json === true, config.localModel);
    if (cmd === 'pull') return await pull(dir.modelsDir, src, id!);
    return await remove(dir.modelsDir, src, id!);
  } catch (e) {
    process.stderr.write(`hybrid-ai models ${cmd}: ${isCoreError(e) ? e.message : (e as Error).message}\n`);
    return 1;
  }
}
