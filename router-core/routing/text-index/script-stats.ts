// Script statistics of a text: script-aware length (CJK weighs more), CJK and low-resource-script letter counts.
import { lowResourceScriptRanges, scriptWeights } from '../../data/keywords.js';
import type { CodeUnits } from '../code-units.js';

// Anything outside printable ASCII and common whitespace sends scriptStats down the exact path.
const NON_ASCII_RE = /[^\t\n\r -~]/;

export interface ScriptStats {
  eff: number;
  cjk: number;
  lowResource: number;
  letters: number;
}

/** Script-aware length: one pass over code units, CJK weighs more (see scriptWeights). */
export function scriptStats(text: string, units: CodeUnits): ScriptStats {
  // Fast path: pure ASCII text (most prompts) has no weighted scripts.
  if (!NON_ASCII_RE.test(text)) return { eff: text.length, cjk: 0, lowResource: 0, letters: text.length };
  let cjk = 0;
  let hangul = 0;
  let lowResource = 0;
  let letters = 0;
  const codes = units.of(text);
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = codes[i]!;
    if (c < 0x0530) {
      if (c > 0x40) letters++;
      continue;
    }
    letters++;
    if ((c >= 0x3040 && c <= 0x30ff) || (c >= 0x3400 && c <= 0x4dbf) || (c >= 0x4e00 && c <= 0x9fff) || (c >= 0xf900 && c <= 0xfaff)) {
      cjk++;
    } else if (c >= 0xac00 && c <= 0xd7af) {
      hangul++;
    } else if (c < 0x1400) {
      for (const [lo, hi] of lowResourceScriptRanges) {
        if (c >= lo && c <= hi) {
          lowResource++;
          break;
        }
      }
    }
  }
  const eff = text.length - cjk - hangul + cjk * scriptWeights.cjk + hangul * scriptWeights.hangul;
  return { eff, cjk, lowResource, letters };
}
