// AES-256-GCM sealing of text kept while history is off: the response cache's answers and the sealed stored responses.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** Marks sealed text (the response cache's `response` column tells sealed from readable answers by it). */
export const SEALED = 'sealed:v1:';

/**
 * `text` sealed under `key` (32 bytes): the {@link SEALED} mark, then base64 of a 12-byte random IV, the 16-byte tag
 * and the ciphertext. `aad` (authenticated, not stored) binds the ciphertext to where it is kept: opening it with
 * another `aad` fails.
 */
export function sealText(text: string, key: Buffer, aad?: Buffer): string {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, iv);
  if (aad) c.setAAD(aad);
  const body = Buffer.concat([c.update(text, 'utf8'), c.final()]);
  return SEALED + Buffer.concat([iv, c.getAuthTag(), body]).toString('base64');
}

/** The text in `stored`, opened when sealed (readable text is returned as is); undefined when it cannot be opened. */
export function openText(stored: string, key: Buffer, aad?: Buffer): string | undefined {
  if (!stored.startsWith(SEALED)) return stored;
  try {
    const raw = Buffer.from(stored.slice(SEALED.length), 'base64');
    const d = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
    if (aad) d.setAAD(aad);
    d.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([d.update(raw.subarray(28)), d.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}
