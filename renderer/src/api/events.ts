// Authenticated server-sent events over fetch (EventSource cannot send a bearer token); reconnects with backoff.
import { authHeaders } from './client';
import { readSse } from './stream';

/** Reconnect delays: quick at first (a restart of the core), then no more than every 10 s. */
const BACKOFF_MS = [500, 1000, 2000, 5000, 10_000];

/**
 * Read `path` as SSE until `signal` aborts, calling `onEvent` per frame; `onOpen` runs on every (re)connect so the
 * caller can refresh what it may have missed.
 */
export async function subscribeSse(
  path: string,
  onEvent: (event: string, data: unknown) => void,
  signal: AbortSignal,
  onOpen?: () => void,
): Promise<void> {
  let attempt = 0;
  while (!signal.aborted) {
    try {
      const res = await fetch(path, { headers: { ...authHeaders(false), accept: 'text/event-stream' }, signal });
      if (res.ok && res.body) {
        attempt = 0;
        onOpen?.();
        await readSse(res.body, (f) => {
          try {
            onEvent(f.event, JSON.parse(f.data));
          } catch {
            // A comment or heartbeat, not JSON: nothing to deliver.
          }
        });
      } else if (res.status === 401 || res.status === 404) {
        return;
      }
    } catch {
      if (signal.aborted) return;
    }
    const delay = BACKOFF_MS[Math.min(attempt++, BACKOFF_MS.length - 1)]!;
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, delay);
      signal.addEventListener('abort', () => {
        clearTimeout(t);
        resolve();
      });
    });
  }
}
