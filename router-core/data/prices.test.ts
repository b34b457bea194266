// Prices as data: an OpenAI-compatible cloud's prices come from configuration, checked and in micro-dollars.
import { describe, expect, it } from 'vitest';
import { parseCompatPrices } from './prices.js';

describe('parseCompatPrices', () => {
  it('turns USD per million tokens into integer micro-dollars, cached input where given', () => {
    expect(
      parseCompatPrices(
        '{"llama-3.3-70b-versatile": {"input": 0.59, "output": 0.79}, "deepseek-chat": {"input": 0.27, "output": 1.1, "cachedInput": 0.07}}',
      ),
    ).toEqual({
      'llama-3.3-70b-versatile': { inputPerMTok: 590_000, outputPerMTok: 790_000 },
      'deepseek-chat': { inputPerMTok: 270_000, outputPerMTok: 1_100_000, cachedInputPerMTok: 70_000 },
    });
    expect(parseCompatPrices('{}')).toEqual({});
  });

  it('refuses what is not a price, naming the entry and the valid shape', () => {
    expect(() => parseCompatPrices('nope')).toThrow(/not JSON; expected a JSON object of model id/);
    expect(() => parseCompatPrices('[1]')).toThrow(/must be a JSON object of model id/);
    expect(() => parseCompatPrices('{"m": 3}')).toThrow(/"m" must be \{"input"/);
    expect(() => parseCompatPrices('{"m": {"input": -1, "output": 1}}')).toThrow(
      /"m".input must be a number of USD per million tokens, 0 or more/,
    );
    expect(() => parseCompatPrices('{"m": {"input": 1}}')).toThrow(/"m".output must be/);
    expect(() => parseCompatPrices('{"m": {"input": 1, "output": 1, "cachedInput": "x"}}')).toThrow(/"m".cachedInput must be/);
  });
});
