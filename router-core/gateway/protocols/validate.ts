// Shared request validation: zod issues → one clear invalid_request message naming the field.
import type { z } from 'zod';
import { CoreError } from '../../errors.js';

/** Parse `body` with `schema` or throw a CoreError naming the first bad field and what is valid. */
export function parseBody<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  if (typeof body === 'string') {
    // Fastify reads text/plain bodies as strings: the caller sent the wrong Content-Type (or no JSON at all).
    throw new CoreError('invalid_request', 'The request body must be a JSON object sent with "Content-Type: application/json".', {
      details: { param: 'content-type' },
    });
  }
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

/**
 * Deepest nesting accepted anywhere in a JSON body. why: real tool schemas and tool arguments nest well under 20
 * levels; 64 leaves room while keeping every later walk of the value (serialising it for an engine, counting its
 * size) far from the stack limit that 50,000 levels reached.
 */
export const MAX_JSON_DEPTH = 64;
/**
 * Most values (objects, arrays and scalars) accepted in one JSON body. why: a long chat with tools is a few thousand;
 * 200,000 lets an 8 MiB body of ordinary JSON through while refusing one built to make every walk of it slow.
 */
export const MAX_JSON_VALUES = 200_000;

/** A path such as `messages[0].tool_calls[0].function.arguments`, cut after `max` parts. */
function pathText(parts: ReadonlyArray<string | number>, max = 8): string {
  const shown = parts.slice(0, max).map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`));
  return `${shown.join('').replace(/^\./, '') || 'body'}${parts.length > max ? '…' : ''}`;
}

/**
 * Refuse a parsed JSON body nested deeper than {@link MAX_JSON_DEPTH} or holding more than {@link MAX_JSON_VALUES}
 * values, naming where (checked once at decode, so no later step ever walks such a value). Iterative: the check itself
 * cannot overflow the stack.
 */
export function checkJsonShape(body: unknown): void {
  if (body === null || typeof body !== 'object') return;
  interface Node {
    value: unknown;
    depth: number;
    key: string | number | null;
    parent: Node | null;
  }
  const pathOf = (n: Node): string => {
    const parts: Array<string | number> = [];
    for (let at: Node | null = n; at; at = at.parent) if (at.key !== null) parts.unshift(at.key);
    return pathText(parts);
  };
  let values = 0;
  const stack: Node[] = [{ value: body, depth: 0, key: null, parent: null }];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (++values > MAX_JSON_VALUES) {
      throw new CoreError('invalid_request', `The request body holds more than ${MAX_JSON_VALUES} JSON values (at "${pathOf(node)}").`, {
        details: { param: pathOf(node) },
      });
    }
    const { value, depth } = node;
    // Tool-call arguments travel as JSON text (OpenAI): the JSON inside is just as free-form, and is checked the same.
    if (node.key === 'arguments' && typeof value === 'string' && /^\s*[[{]/.test(value)) {
      let inner: unknown;
      try {
        inner = JSON.parse(value);
      } catch {
        continue; // Not JSON: the protocol's own validation says so.
      }
      stack.push({ value: inner, depth, key: null, parent: node });
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (depth >= MAX_JSON_DEPTH) {
      throw new CoreError(
        'invalid_request',
        `Invalid "${pathOf(node)}": JSON nested more than ${MAX_JSON_DEPTH} levels deep (the limit for any field, tool schemas and arguments included).`,
        { details: { param: pathOf(node) } },
      );
    }
    if (Array.isArray(value)) value.forEach((v, i) => stack.push({ value: v, depth: depth + 1, key: i, parent: node }));
    else for (const [k, v] of Object.entries(value)) stack.push({ value: v, depth: depth + 1, key: k, parent: node });
  }
}
