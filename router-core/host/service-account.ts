// A Google service-account key file named in Settings: checked to exist and parse as one; its content is never kept or echoed.
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { CoreError } from '../errors.js';

/** Largest key file read: a real one is ~2.4 KB; anything past 64 KB is some other file. */
const MAX_BYTES = 64 * 1024;

const refuse = (message: string): CoreError =>
  new CoreError('invalid_request', `Invalid "credentials_file": ${message}`, { details: { param: 'credentials_file' } });

/**
 * The absolute path of `file` when it is a readable service-account JSON key (type "service_account" with a
 * client_email and a private_key); else a 400 naming the problem. Messages name the path and the missing field only,
 * never anything read from the file.
 */
export function checkServiceAccountFile(file: string): string {
  if (!path.isAbsolute(file))
    throw refuse(`"${file.slice(0, 200)}" is not an absolute path; give the full path of the service-account JSON key file.`);
  const abs = path.resolve(file);
  let size: number;
  try {
    const st = statSync(abs);
    if (!st.isFile()) throw refuse(`${abs.slice(0, 200)} is not a file; give the service-account JSON key file.`);
    size = st.size;
  } catch (e) {
    if (e instanceof CoreError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw refuse(
      code === 'ENOENT'
        ? `${abs.slice(0, 200)} does not exist on the machine the core runs on.`
        : `${abs.slice(0, 200)} cannot be read (${code ?? 'error'}).`,
    );
  }
  if (size > MAX_BYTES) throw refuse(`${abs.slice(0, 200)} is ${size} bytes: too big for a service-account key (a few KB).`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(abs, 'utf8'));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw refuse(
      code
        ? `${abs.slice(0, 200)} cannot be read (${code}).`
        : `${abs.slice(0, 200)} is not JSON; give the key file downloaded from IAM → Service accounts → Keys.`,
    );
  }
  const o = (parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? parsed : {}) as Record<string, unknown>;
  if (o.type !== 'service_account')
    throw refuse(
      `${abs.slice(0, 200)} is not a service-account key (its "type" must be "service_account"; for your own login leave the file empty to use application-default credentials).`,
    );
  for (const field of ['client_email', 'private_key'] as const) {
    if (typeof o[field] !== 'string' || o[field] === '')
      throw refuse(`${abs.slice(0, 200)} has no "${field}": download a new JSON key for the service account.`);
  }
  return abs;
}
