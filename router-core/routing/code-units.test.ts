// CodeUnits: the text's UTF-16 code units exactly, for short, long (past the shared scratch) and odd strings.
import { describe, expect, it } from 'vitest';
import { CodeUnits } from './code-units.js';

/** One scratch for the whole file, as a process keeps one. */
const scratch = new CodeUnits();

const expectUnits = (text: string): void => {
  const units = scratch.of(text);
  expect(units.length).toBeGreaterThanOrEqual(text.length);
  for (let i = 0; i < text.length; i++) expect(units[i], `unit ${i} of a ${text.length}-unit text`).toBe(text.charCodeAt(i));
};

describe('codeUnits', () => {
  it('copies one-byte, two-byte, sliced and concatenated strings unit for unit', () => {
    const base = 'Plain ASCII, then “quotes”, then 中文 and an astral 𐐀 capital. ';
    expectUnits(base);
    expectUnits(base.repeat(40).slice(7, 2100));
    expectUnits(`${base.slice(0, 20)}\n\n${base.slice(-20)}`);
    expectUnits('');
  });

  it('keeps lone surrogates as they are', () => {
    expectUnits('a\ud801b\udc00c');
  });

  it('gives a text longer than the shared scratch its own array, and the scratch stays right afterwards', () => {
    const huge = 'x9“'.repeat(30_000); // 90,000 units: past the 65,536-unit scratch
    const units = scratch.of(huge);
    expect(units.length).toBe(huge.length);
    expect([units[0], units[2], units[huge.length - 1]]).toEqual([120, 0x201c, 0x201c]);
    expectUnits('short again after the huge one');
  });
});
