// Working memory of one text walk: code units and the indexer's hit buffers, owned by the caller and reused across calls.
import { CodeUnits, type Utf16WriterFactory } from '../code-units.js';

/**
 * Reused by every walk that gets it, so a request allocates no typed arrays. One per thread: routing calls are
 * synchronous, so no call is entered while another holds it. Made by the composition root (routing-state.ts), or
 * afresh by a call that is given none.
 */
export class TextScratch {
  readonly units: CodeUnits;
  /** Flat (group, position) pairs of indexText. why 512: 256 pairs cover nearly every window; it doubles when not. */
  hits = new Int32Array(512);
  /** Per group, the last position it was hit at (-1 = none); reset by every walk before it returns. */
  lastHit = new Int32Array(0);
  /** Per group, the next free slot of the counting sort. */
  fill = new Int32Array(0);

  constructor(native?: Utf16WriterFactory) {
    this.units = new CodeUnits(native);
  }

  /** Sizes the per-group buffers for `groups` groups (a no-op once sized). */
  forGroups(groups: number): void {
    if (this.lastHit.length === groups) return;
    this.lastHit = new Int32Array(groups).fill(-1);
    this.fill = new Int32Array(groups);
  }
}
