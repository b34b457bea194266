// The structured-output schema check: what every engine can enforce passes (normalised), the rest is named.
import { describe, expect, it } from 'vitest';
import { checkJsonSchema } from './json-schema.js';

describe('checkJsonSchema', () => {
  it('normalises anyOf to oneOf, definitions to $defs, and drops descriptive keywords', () => {
    const r = checkJsonSchema({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      title: 'T',
      type: 'object',
      properties: {
        a: { anyOf: [{ type: 'string', maxLength: 3 }, { type: 'null' }], default: null },
        b: { $ref: '#/definitions/B' },
        c: { type: ['integer', 'null'] },
      },
      required: ['a'],
      additionalProperties: false,
      definitions: { B: { type: 'array', items: { enum: ['x', 1, null] }, maxItems: 2 } },
    });
    expect(r).toEqual({
      ok: true,
      schema: {
        type: 'object',
        properties: {
          a: { oneOf: [{ type: 'string', maxLength: 3 }, { type: 'null' }] },
          b: { $ref: '#/$defs/B' },
          c: { type: ['integer', 'null'] },
        },
        required: ['a'],
        additionalProperties: false,
        $defs: { B: { type: 'array', items: { enum: ['x', 1, null] }, maxItems: 2 } },
      },
    });
  });

  it('names the place and the problem of what cannot be enforced', () => {
    const bad = (schema: unknown) => {
      const r = checkJsonSchema(schema);
      return r.ok ? 'ok' : `${r.path}: ${r.problem}`;
    };
    expect(bad({ type: 'object', properties: { p: { type: 'string', pattern: 'x' } } })).toMatch(
      /^\.properties\.p: the keyword "pattern" is not supported/,
    );
    expect(bad({ allOf: [] })).toMatch(/^\(root\): the keyword "allOf" is not supported \(use oneOf\/anyOf/);
    expect(bad({ type: 'string', format: 'email' })).toBe(
      '(root).format: string format "email" cannot be enforced (valid: date-time, date, time)',
    );
    expect(bad({ type: 'object', properties: { x: {} } })).toMatch(/^\.properties\.x: a schema needs "type"/);
    expect(bad({ type: 'decimal' })).toMatch(/unknown type "decimal" \(valid: string, number, integer, boolean, null, object, array\)/);
    expect(bad({ $ref: '#/$defs/Missing' })).toMatch(/does not point into this schema's \$defs \(valid: none defined\)/);
    expect(bad({ type: 'object', properties: { a: { type: 'string' } }, required: ['b'] })).toMatch(
      /"b" is required but not among the properties \(a\)/,
    );
    expect(bad({ type: 'array', items: { type: 'string' }, minItems: -1 })).toMatch(/minItems: must be a whole number/);
    expect(bad('json')).toBe(': the schema must be a JSON object');
  });
});
