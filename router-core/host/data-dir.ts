// The data dir: ledger.db, the API token file (0600) and models/; created on first start.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync, renameSync } from 'node:fs';
import path from 'node:path';
import { CoreError } from '../errors.js';

export interface DataDir {
  root: string;
  ledgerFile: string;
  modelsDir: string;
  tokenFile: string;
}

/** Create (if needed) and describe the data dir; explains a permission problem instead of crashing. */
export function openDataDir(root: string): DataDir {
  try {
    mkdirSync(root, { recursive: true, mode: 0o700 });
    mkdirSync(path.join(root, 'models'), { recursive: true, mode: 0o700 });
  } catch (e) {
    throw new CoreError(
      'invalid_request',
      `Cannot create the data dir ${root}: ${(e as NodeJS.ErrnoException).code ?? String(e)}. Choose another with --data-dir.`,
    );
  }
  return { root, ledgerFile: path.join(root, 'ledger.db'), modelsDir: path.join(root, 'models'), tokenFile: path.join(root, 'api-token') };
}

/**
 * The API token: the one stored in the data dir, or a new random one written atomically with mode 0600.
 * Returns whether it was just created (so the CLI can say so).
 */
export function loadOrCreateToken(dir: DataDir): { token: string; created: boolean; warning?: string } {
  if (existsSync(dir.tokenFile)) {
    const token = readFileSync(dir.tokenFile, 'utf8').trim();
    const mode = statSync(dir.tokenFile).mode & 0o777;
    let warning: string | undefined;
    if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
      chmodSync(dir.tokenFile, 0o600);
      warning = `The token file ${dir.tokenFile} was readable by others (mode ${mode.toString(8)}); it is now 600.`;
    }
    if (token.length >= 16) return { token, created: false, warning };
  }
  const token = `hai_${randomBytes(24).toString('base64url')}`;
  const tmp = `${dir.tokenFile}.${process.pid}.tmp`;
  writeFileSync(tmp, `${token}\n`, { mode: 0o600 });
  renameSync(tmp, dir.tokenFile);
  return { token, created: true };
}
