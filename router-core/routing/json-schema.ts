// Structured output: checks a caller's JSON schema against what every engine here can enforce, and normalises it.
import type { ResponseFormat } from '../contracts/chat.js';

/** A schema every engine can enforce, or the first problem found, with where it is. */
export type SchemaCheck = { ok: true; schema: Record<string, unknown> } | { ok: false; path: string; problem: string };

/** The subset enforced by a grammar (node-llama-cpp's JSON-schema grammars), and so by every engine. */
const TYPES = ['string', 'number', 'integer', 'boolean', 'null', 'object', 'array'] as const;
const FORMATS = ['date-time', 'date', 'time'] as const;
/**
 * Numeric bounds: kept for the engines that enforce them (Claude, Ollama); a llama.cpp grammar cannot count, so there
 * a number within the type is all that is guaranteed (callers that need the bound check the value).
 */
const NUMBER_BOUNDS = ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf'] as const;
/** Keywords that only describe (or that OpenAI's strict mode requires) and constrain nothing a grammar must know. */
const DESCRIPTIVE = new Set([
  'description',
  'title',
  '$schema',
  '$id',
  'default',
  'examples',
  '$comment',
  'deprecated',
  'readOnly',
  'writeOnly',
]);
const KNOWN = new Set([
  ...DESCRIPTIVE,
  'type',
  'const',
  'enum',
  'oneOf',
  'anyOf',
  'properties',
  'required',
  'additionalProperties',
  'minProperties',
  'maxProperties',
  'items',
  'prefixItems',
  'minItems',
  'maxItems',
  'minLength',
  'maxLength',
  'format',
  '$defs',
  'definitions',
  '$ref',
  ...NUMBER_BOUNDS,
]);
/**
 * Deepest schema nesting checked. why: real response schemas nest a handful of levels; the request body is already
 * capped at 64 JSON levels, so this only stops a $ref cycle through $defs from being walked forever.
 */
const MAX_DEPTH = 64;

/**
 * Check `schema` and return it normalised for the engines: `anyOf` as `oneOf` (the same choice for generation),
 * `definitions` as `$defs` (and their `$ref`s), descriptive keywords dropped. Refuses, naming the place and the
 * valid alternatives, what no engine here could enforce (`allOf`, `not`, `pattern`, unknown formats, a schema
 * without a type, a `$ref` outside `#/$defs`).
 */
export function checkJsonSchema(schema: unknown): SchemaCheck {
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema))
    return { ok: false, path: '', problem: 'the schema must be a JSON object' };
  const root = schema as Record<string, unknown>;
  const defs = { ...asRecord(root.definitions), ...asRecord(root.$defs) };
  try {
    const out = walk(root, '', 0, defs) as Record<string, unknown>;
    return { ok: true, schema: out };
  } catch (e) {
    if (e instanceof SchemaProblem) return { ok: false, path: e.path, problem: e.message };
    throw e;
  }
}

class SchemaProblem extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

const asRecord = (v: unknown): Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

function walk(node: unknown, path: string, depth: number, defs: Record<string, unknown>): unknown {
  const here = path || '(root)';
  const s = schemaNode(node, here, depth);
  const out: Record<string, unknown> = {};
  if (typeof s.description === 'string') out.description = s.description;
  if ('const' in s) {
    if (!isScalar(s.const)) throw new SchemaProblem(`${here}.const`, 'const must be a string, number, boolean or null');
    return { ...out, const: s.const };
  }
  if ('enum' in s) {
    if (!Array.isArray(s.enum) || s.enum.length === 0 || !s.enum.every(isScalar)) {
      throw new SchemaProblem(`${here}.enum`, 'enum must be a non-empty list of strings, numbers, booleans or null');
    }
    return { ...out, enum: s.enum };
  }
  const choices = s.oneOf ?? s.anyOf;
  if (choices !== undefined) {
    const key = s.oneOf !== undefined ? 'oneOf' : 'anyOf';
    if (!Array.isArray(choices) || choices.length === 0)
      throw new SchemaProblem(`${here}.${key}`, `${key} must be a non-empty list of schemas`);
    return { ...out, oneOf: choices.map((c, i) => walk(c, `${path}.${key}[${i}]`, depth + 1, defs)), ...defsOf(s, path, depth, defs) };
  }
  if (typeof s.$ref === 'string') return { ...out, $ref: checkRef(s.$ref, here, defs), ...defsOf(s, path, depth, defs) };
  const types = typesOf(s, here);
  if (types.length > 1) {
    // A list of types: each alone (object or array ones with the rest of this schema's keywords).
    if (types.every((t) => t !== 'object' && t !== 'array')) return { ...out, type: types };
    return { ...out, oneOf: types.map((t) => walk({ ...s, type: t }, path, depth + 1, defs)) };
  }
  const type = types[0] as (typeof TYPES)[number];
  out.type = type;
  if (type === 'string') {
    if (s.format !== undefined) return { ...out, format: checkFormat(s.format, here) };
    for (const k of ['minLength', 'maxLength'] as const) if (s[k] !== undefined) out[k] = count(s[k], `${here}.${k}`);
  } else if (type === 'number' || type === 'integer') {
    for (const k of NUMBER_BOUNDS) {
      if (s[k] === undefined) continue;
      if (typeof s[k] !== 'number') throw new SchemaProblem(`${here}.${k}`, `${k} must be a number`);
      out[k] = s[k];
    }
  } else if (type === 'object') {
    objectKeywords(s, out, path, depth, defs);
  } else if (type === 'array') {
    arrayKeywords(s, out, path, depth, defs);
  }
  return { ...out, ...defsOf(s, path, depth, defs) };
}

/** A schema node as an object whose keywords are all known; refuses anything else (`here` names the place). */
function schemaNode(node: unknown, here: string, depth: number): Record<string, unknown> {
  if (depth > MAX_DEPTH) throw new SchemaProblem(here, `nested more than ${MAX_DEPTH} levels`);
  if (node === true) throw new SchemaProblem(here, '`true` (any value) cannot be enforced: give a type');
  if (node === null || typeof node !== 'object' || Array.isArray(node)) throw new SchemaProblem(here, 'must be a schema object');
  const s = node as Record<string, unknown>;
  for (const key of Object.keys(s)) {
    if (KNOWN.has(key)) continue;
    const hint =
      key === 'pattern' || key === 'patternProperties'
        ? ' (regular expressions cannot be enforced here; use enum, or check the value afterwards)'
        : key === 'allOf' || key === 'not' || key === 'if'
          ? ' (use oneOf/anyOf, or merge the schemas into one)'
          : '';
    throw new SchemaProblem(here, `the keyword "${key}" is not supported${hint}`);
  }
  return s;
}

/** A `$ref` into this schema's definitions, written as `#/$defs/NAME`. */
function checkRef(ref: string, here: string, defs: Record<string, unknown>): string {
  const m = /^#\/(?:\$defs|definitions)\/([^/]+)$/.exec(ref);
  if (!m || !(m[1]! in defs)) {
    throw new SchemaProblem(
      `${here}.$ref`,
      `"${ref}" does not point into this schema's $defs (valid: ${
        Object.keys(defs)
          .map((k) => `#/$defs/${k}`)
          .join(', ') || 'none defined'
      })`,
    );
  }
  return `#/$defs/${m[1]}`;
}

/** The node's type or types, each one of {@link TYPES}; at least one. */
function typesOf(s: Record<string, unknown>, here: string): unknown[] {
  const types = Array.isArray(s.type) ? s.type : s.type === undefined ? [] : [s.type];
  if (types.length === 0)
    throw new SchemaProblem(here, `a schema needs "type" (${TYPES.join(', ')}), "enum", "const", "anyOf"/"oneOf" or "$ref"`);
  for (const t of types) {
    if (!(TYPES as readonly unknown[]).includes(t))
      throw new SchemaProblem(`${here}.type`, `unknown type ${JSON.stringify(t)} (valid: ${TYPES.join(', ')})`);
  }
  return types;
}

/** A string format an engine can enforce. */
function checkFormat(format: unknown, here: string): unknown {
  if (!(FORMATS as readonly unknown[]).includes(format)) {
    throw new SchemaProblem(`${here}.format`, `string format ${JSON.stringify(format)} cannot be enforced (valid: ${FORMATS.join(', ')})`);
  }
  return format;
}

/** An object's properties (each walked), `required`, `additionalProperties` and size bounds, into `out`. */
function objectKeywords(
  s: Record<string, unknown>,
  out: Record<string, unknown>,
  path: string,
  depth: number,
  defs: Record<string, unknown>,
): void {
  const here = path || '(root)';
  const props = asRecord(s.properties);
  out.properties = Object.fromEntries(Object.entries(props).map(([k, v]) => [k, walk(v, `${path}.properties.${k}`, depth + 1, defs)]));
  if (s.required !== undefined) {
    if (!Array.isArray(s.required) || !s.required.every((r) => typeof r === 'string'))
      throw new SchemaProblem(`${here}.required`, 'required must be a list of property names');
    const unknown = s.required.find((r) => !(r in props));
    if (unknown !== undefined)
      throw new SchemaProblem(
        `${here}.required`,
        `"${unknown}" is required but not among the properties (${Object.keys(props).join(', ') || 'none'})`,
      );
    out.required = s.required;
  }
  if (s.additionalProperties !== undefined) {
    out.additionalProperties =
      typeof s.additionalProperties === 'boolean'
        ? s.additionalProperties
        : walk(s.additionalProperties, `${path}.additionalProperties`, depth + 1, defs);
  }
  for (const k of ['minProperties', 'maxProperties'] as const) if (s[k] !== undefined) out[k] = count(s[k], `${here}.${k}`);
}

/** An array's `items`, `prefixItems` (each walked) and size bounds, into `out`. */
function arrayKeywords(
  s: Record<string, unknown>,
  out: Record<string, unknown>,
  path: string,
  depth: number,
  defs: Record<string, unknown>,
): void {
  const here = path || '(root)';
  if (s.items !== undefined) out.items = walk(s.items, `${path}.items`, depth + 1, defs);
  if (s.prefixItems !== undefined) {
    if (!Array.isArray(s.prefixItems)) throw new SchemaProblem(`${here}.prefixItems`, 'prefixItems must be a list of schemas');
    out.prefixItems = s.prefixItems.map((p, i) => walk(p, `${path}.prefixItems[${i}]`, depth + 1, defs));
  }
  for (const k of ['minItems', 'maxItems'] as const) if (s[k] !== undefined) out[k] = count(s[k], `${here}.${k}`);
}

/** The `$defs` of a schema node (and its `definitions`), checked, under `$defs`. */
function defsOf(s: Record<string, unknown>, path: string, depth: number, all: Record<string, unknown>): Record<string, unknown> {
  const own = { ...asRecord(s.definitions), ...asRecord(s.$defs) };
  if (Object.keys(own).length === 0) return {};
  // Each definition is checked once here; references to it are checked by name only (no walking through cycles).
  return { $defs: Object.fromEntries(Object.entries(own).map(([k, v]) => [k, walk(v, `${path}.$defs.${k}`, depth + 1, all)])) };
}

const isScalar = (v: unknown): boolean => v === null || ['string', 'number', 'boolean'].includes(typeof v);

function count(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new SchemaProblem(path, 'must be a whole number ≥ 0');
  return v;
}

/** Whether `format` asks for JSON (any object, or a schema): such requests need an engine that can enforce it. */
export function wantsJson(format: ResponseFormat | undefined): boolean {
  return format !== undefined;
}
