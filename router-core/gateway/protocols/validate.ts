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
  const { path, message } = explainIssue(r.error.issues[0]!, body);
  const param = pathText(path, Infinity);
  // `param` is the field at fault (OpenAI's error shape carries it); a body that is wrong as a whole names none.
  throw new CoreError('invalid_request', `Invalid "${param}": ${message}.`, path.length > 0 ? { details: { param } } : undefined);
}

/**
 * Parse one part of a body (`value`, found at `at` in it) with `schema`, or throw naming the bad field below `at`, with
 * `param` set to `at` (used where a part is checked on its own: Responses input items and tools).
 */
export function parsePart<T extends z.ZodType>(schema: T, value: unknown, at: ReadonlyArray<string | number>): z.infer<T> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const { path, message } = explainIssue(r.error.issues[0]!, value);
  // Below `at`, the path is written with dots only (input[0].content.0.type), as these refusals always were.
  throw new CoreError('invalid_request', `Invalid "${pathText(at, Infinity)}${path.map((p) => `.${p}`).join('')}": ${message}.`, {
    details: { param: pathText(at, Infinity) },
  });
}

/** What the wire calls each JSON type, for "expected … received …". */
const typeNames: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  array: 'an array',
  object: 'a JSON object',
  null: 'null',
  undefined: 'nothing',
};

function jsonTypeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v = root;
  for (const k of path) v = v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined;
  return v;
}

/** A zod issue as the field it is about and a sentence saying what is wrong and what is valid. */
export interface ExplainedIssue {
  path: Array<string | number>;
  message: string;
}

/**
 * The first zod issue as a path and a message that says what is valid. A union's own message is only "Invalid input":
 * when one alternative got past the type check (the caller meant that one), its first problem is reported at its
 * path; otherwise the alternatives' types are listed with the type that came.
 */
export function explainIssue(issue: z.core.$ZodIssue, body: unknown, prefix: ReadonlyArray<string | number> = []): ExplainedIssue {
  const path = [...prefix, ...issue.path.map((p) => (typeof p === 'number' ? p : String(p)))];
  if (issue.code !== 'invalid_union' || issue.errors.length === 0) return { path, message: issue.message };
  // An alternative "missed" when its first problem is the value itself (wrong type, or not one of its values).
  const missed = (branch: readonly z.core.$ZodIssue[]) =>
    (branch[0]?.code === 'invalid_type' || branch[0]?.code === 'invalid_value') && branch[0].path.length === 0;
  const meant = issue.errors.find((branch) => branch.length > 0 && !missed(branch));
  if (meant) return explainIssue(meant[0]!, body, path);
  const expected = [
    ...new Set(
      issue.errors.flatMap((b) => {
        const first = b[0];
        if (first?.code === 'invalid_type') return [typeNames[first.expected] ?? first.expected];
        if (first?.code === 'invalid_value') return first.values.map((v) => JSON.stringify(v));
        return ['another value'];
      }),
    ),
  ];
  const got = valueAt(body, path);
  const valid = expected.join(' or ');
  return {
    path,
    message: got === undefined ? `required: ${valid}` : `expected ${valid}, got ${typeNames[jsonTypeOf(got)] ?? jsonTypeOf(got)}`,
  };
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
export function pathText(parts: ReadonlyArray<string | number>, max = 8): string {
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
