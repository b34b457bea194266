// Stream framing helpers (SSE, NDJSON) and a writer that respects backpressure and sends heartbeats.
import type { ServerResponse } from 'node:http';

/** One SSE frame; `event` omitted for data-only protocols (OpenAI). */
export function sseFrame(event: string | null, data: unknown): string {
  return `${event ? `event: ${event}\n` : ''}data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;
}

/** One NDJSON line. */
export function ndjsonLine(data: unknown): string {
  return `${JSON.stringify(data)}\n`;
}

/** Write and wait for 'drain' when the socket buffer is full, so a slow reader slows generation down. */
export async function writeWithBackpressure(res: ServerResponse, chunk: string): Promise<void> {
  if (chunk === '' || res.writableEnded || res.destroyed) return;
  if (res.write(chunk)) return;
  await new Promise<void>((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
