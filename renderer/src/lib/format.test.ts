// Money, token, duration, percent and byte formatting: exact strings the UI shows.
import { describe, expect, it } from 'vitest';
import {
  formatBytes,
  formatDuration,
  formatMoney,
  formatPercent,
  formatRate,
  formatScore,
  formatTokens,
  formatWhen,
  microsToUsdInput,
  usdInputToMicros,
} from './format';

describe('formatMoney (integer micro-dollars)', () => {
  it.each([
    [0, '$0'],
    [1_000_000, '$1.00'],
    [1_234_567, '$1.23'],
    [1_235_000, '$1.24'],
    [12_345_678_901, '$12,345.68'],
    [999_999, '$1.00'],
    [999_949, '$0.9999'],
    [1_005_000, '$1.01'],
    [450, '$0.0005'],
    [100, '$0.0001'],
    [99, '$0.0001'],
    [49, '<$0.0001'],
    [-2_500_000, '-$2.50'],
    [Number.NaN, '—'],
  ])('%s µ$ → %s', (micros, text) => {
    expect(formatMoney(micros)).toBe(text);
  });

  it('is exact to the cent for amounts of a dollar or more', () => {
    for (const micros of [1_004_999, 1_005_000, 19_990_000, 100_000_001]) {
      const shown = Number(formatMoney(micros).replace(/[$,]/g, ''));
      // Half a cent at most (plus float noise in this check itself).
      expect(Math.abs(shown - micros / 1e6)).toBeLessThanOrEqual(0.005 + 1e-9);
    }
  });
});

describe('dollar inputs', () => {
  it('round-trips caps and accepts what people type', () => {
    expect(microsToUsdInput(5_000_000)).toBe('5');
    expect(microsToUsdInput(500_000)).toBe('0.5');
    expect(microsToUsdInput(null)).toBe('');
    expect(usdInputToMicros('5')).toBe(5_000_000);
    expect(usdInputToMicros(' $0.50 ')).toBe(500_000);
    expect(usdInputToMicros('1,000')).toBe(1_000_000_000);
    expect(usdInputToMicros('.25')).toBe(250_000);
    expect(usdInputToMicros('')).toBeNull();
  });
  it('rejects what is not an amount', () => {
    for (const bad of ['abc', '-1', '1.2.3', '5 USD']) expect(usdInputToMicros(bad), bad).toBeUndefined();
  });
});

describe('tokens, durations, percentages, bytes', () => {
  it('formats tokens', () => {
    expect(formatTokens(950)).toBe('950');
    expect(formatTokens(1_000)).toBe('1k');
    expect(formatTokens(12_345)).toBe('12.3k');
    expect(formatTokens(2_400_000)).toBe('2.4M');
  });
  it('formats durations', () => {
    expect(formatDuration(420.4)).toBe('420 ms');
    expect(formatDuration(1_260)).toBe('1.3 s');
    expect(formatDuration(42_000)).toBe('42 s');
    expect(formatDuration(125_000)).toBe('2 min 05 s');
    expect(formatDuration(3_720_000)).toBe('1 h 02 min');
    expect(formatDuration(-1)).toBe('—');
  });
  it('formats percentages', () => {
    expect(formatPercent(0)).toBe('0%');
    expect(formatPercent(0.045)).toBe('4.5%');
    expect(formatPercent(0.8234)).toBe('82%');
    expect(formatPercent(1)).toBe('100%');
  });
  it('formats bytes and rates in decimal units', () => {
    expect(formatBytes(812)).toBe('812 B');
    expect(formatBytes(1_500_000)).toBe('1.5 MB');
    expect(formatBytes(4_368_439_584)).toBe('4.4 GB');
    expect(formatBytes(669_000_000)).toBe('669 MB');
    expect(formatRate(3_200_000)).toBe('3.2 MB/s');
  });
  it('formats scores and times', () => {
    expect(formatScore(0.4567)).toBe('0.46');
    const now = new Date(2026, 2, 12, 15, 30).getTime();
    expect(formatWhen(new Date(2026, 2, 12, 9, 5).getTime(), now)).toBe('09:05');
    expect(formatWhen(new Date(2026, 2, 10, 9, 5).getTime(), now)).toMatch(/^[A-Z][a-z]{2} 09:05$/);
    expect(formatWhen(new Date(2026, 0, 3, 9, 5).getTime(), now)).toBe('3 Jan');
  });
});
