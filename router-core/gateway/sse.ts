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

/**
 * Coalesces frames written in the same event-loop turn into one socket write (a token per write costs a
 * syscall each; merging keeps tokens/s through the gateway close to the engine's own), and waits for
 * 'drain' when the socket buffer is full so a slow reader slows generation down.
 */
export class CoalescingWriter {
  private pending = '';
  private scheduled = false;
  private drained: Promise<void> | null = null;

  constructor(private readonly res: ServerResponse) {}

  /** Queue a frame; resolves at once unless the socket is backed up. */
  write(chunk: string): Promise<void> | void {
    if (chunk === '') return;
    this.pending += chunk;
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
    return this.drained ?? undefined;
  }

  /** Write whatever is queued now. */
  flush(): void {
    this.scheduled = false;
    if (this.pending === '' || this.res.writableEnded || this.res.destroyed) {
      this.pending = '';
      return;
    }
    const data = this.pending;
    this.pending = '';
    if (!this.res.write(data) && !this.drained) {
      this.drained = new Promise<void>((resolve) => {
        const done = (): void => {
          this.res.off('drain', done);
          this.res.off('close', done);
          this.drained = null;
          resolve();
        };
        this.res.on('drain', done);
        this.res.on('close', done);
      });
    }
  }
}
