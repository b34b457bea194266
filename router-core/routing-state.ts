// The routing state of this process (routing/state.ts) with Node's native UTF-16 copy, which the pure routing layer cannot reach.
import { Buffer } from 'node:buffer';
import { createRoutingState, type RoutingState } from './routing/state.js';

/** A routing state whose code-unit copies are Buffer writes into its scratch memory (one native copy per text). */
export function createNodeRoutingState(): RoutingState {
  return createRoutingState((memory) => Buffer.from(memory));
}
