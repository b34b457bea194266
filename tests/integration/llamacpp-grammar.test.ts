// The JSON-schema grammar's number rules as node-llama-cpp writes them, bounded by the worker (boundedNumbers).
import { getLlama } from 'node-llama-cpp';
import { describe, expect, it } from 'vitest';
import { boundedNumbers } from '../../router-core/engines/llamacpp.worker.js';

describe('boundedNumbers', () => {
  it("drops the integer rule's exponent and bounds the number rule's to two digits, on the bundled node-llama-cpp's grammar", async () => {
    const llama = await getLlama({ build: 'never', gpu: false });
    const g = await llama.createGrammarForJsonSchema({
      type: 'object',
      properties: { n: { type: 'integer' }, x: { type: 'number' } },
      required: ['n', 'x'],
    });
    const rules = Object.fromEntries(
      boundedNumbers(g.grammar)
        .split('\n')
        .map((l) => l.split(' ::= ') as [string, string]),
    );
    // If a node-llama-cpp upgrade rewrites these rules, the rewrite must be redone: this fails instead of passing quietly.
    expect(rules['integer-number-rule']).toBe('"-"? ("0" | [1-9] [0-9]{0,15})');
    expect(rules['fractional-number-rule']).toBe('"-"? ("0" | [1-9] [0-9]{0,15}) ("." [0-9]{1,16})? ([eE] [-+]? [0-9]{1,2})?');
    // The rest of the grammar is untouched.
    expect(rules.root).toBe(
      g.grammar
        .split('\n')
        .find((l) => l.startsWith('root ::= '))!
        .slice('root ::= '.length),
    );
  }, 60_000);
});
