// Shared request validation: zod issues → one clear invalid_request message naming the field.
import type { z } from 'zod';
import { CoreError } from '../../errors.js';

/** Parse `body` with `schema` or throw a CoreError naming the first bad field and what is valid. */
export function parseBody<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new CoreError('invalid_request', 'The request body must be a JSON object.');
  }
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const path = issue.path.length
    ? issue.path
        .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
        .join('')
        .replace(/^\./, '')
    : 'body';
  throw new CoreError('invalid_request', `Invalid "${path}": ${issue.message}.`);
}
