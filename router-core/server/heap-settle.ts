// Once start-up has settled: one memory-reducing collection, so an idle core does not keep start-up's heap size.
import v8 from 'node:v8';
import vm from 'node:vm';

/**
 * How long after hardware detection (the last start-up work: the keyword index, the first probes and detection are
 * done by then) the heap is compacted. why: late enough that start-up's garbage is garbage, early enough that a
 * core left idle is small within a few seconds of starting.
 */
export const SETTLE_AFTER_MS = 500;

type GcFunction = (options?: { type?: 'major' | 'minor'; execution?: 'sync' | 'async'; flavor?: 'regular' | 'last-resort' }) => void;

/**
 * Runs V8's memory-reducing full collection (the one it runs before giving up on an allocation): returns the young
 * generation and free old-generation pages to the system. Returns false when this V8 offers no collector to call;
 * never throws (it runs from a timer).
 *
 * why: start-up creates ~20 MB that lives on (the bundle's code, zod schemas, Fastify's routes) in bursts, and V8
 * answers a burst of survivors by growing the young generation to its maximum (2 × 16 MB semi-spaces), which it
 * did not shrink in 25 s of idle (V8's memory reducer never ran: no collection at all after start-up's last one).
 * Measured on the built server with no model (bench --only core): idle resident ~106 MB without this, ~87 MB with
 * it; the collection takes ~20-100 ms once (more on a loaded machine), before any request normally arrives. A
 * `--max-semi-space-size` flag would cap the young generation for the life of the process (more scavenges under
 * load) and would have to be passed by every launcher (image, systemd unit, desktop shell, CLI).
 *
 * How: the `gc` function V8 installs in contexts created while `--expose-gc` is set (the way jest-leak-detector reaches
 * it); the flag is set back afterwards, so no other context sees a global `gc`.
 */
export function compactHeap(): boolean {
  let gc = (globalThis as { gc?: GcFunction }).gc;
  if (typeof gc !== 'function') {
    try {
      v8.setFlagsFromString('--expose-gc');
      gc = vm.runInNewContext('gc') as GcFunction | undefined;
    } catch {
      gc = undefined;
    } finally {
      v8.setFlagsFromString('--no-expose-gc');
    }
  }
  if (typeof gc !== 'function') return false;
  try {
    gc({ type: 'major', execution: 'sync', flavor: 'last-resort' });
    return true;
  } catch {
    // A V8 whose gc takes no options: no memory to give back is better than a core that stops.
    return false;
  }
}
