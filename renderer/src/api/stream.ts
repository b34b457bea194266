// SSE reader for POST /api/v1/chat (events: route, delta, summary, done, error); Stop/Esc abort via AbortSignal.
import { ApiError, authHeaders, setToken, toApiError } from './client';
import type { AnswerSummary, ErrorKind, ErrorType, RoutingInfo } from './types';

/** Body of a streamed native chat request. */
export interface ChatStreamRequest {
  messages: Array<{ role: 'system' | 'user' | 'assistant'; content: string }>;
  model: string;
  local_only?: boolean;
  conversation_id?: string;
  /** With conversation_id: the request whose answer this one replaces (Retry with Claude), kept for a reopened chat. */
  retry_of?: string;
  /** With conversation_id: a new version of this stored message (regenerate, retry, edit). */
  version_of?: string;
  /** With conversation_id: the stored message this exchange follows (the last one on screen), not the stored leaf. */
  parent_id?: string;
}

/** An answer's error: its type, the core's words and, for a refusal, its typed cause. */
export interface StreamError {
  type: ErrorType | 'network';
  message: string;
  kind?: ErrorKind;
}

export interface ChatStreamHandlers {
  onRoute(r: RoutingInfo): void;
  onDelta(text: string): void;
  onSummary(s: AnswerSummary): void;
  onDone(finishReason: string): void;
  onError(e: StreamError): void;
}

/** Split an SSE buffer into complete frames; returns the frames and the unfinished rest. */
export function splitFrames(buffer: string): { frames: SseFrame[]; rest: string } {
  const parts = buffer.replace(/\r\n/g, '\n').split('\n\n');
  const rest = parts.pop() ?? '';
  const frames = parts
    .filter((p) => p.trim() !== '')
    .map((p) => {
      let event = 'message';
      const data: string[] = [];
      for (const line of p.split('\n')) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      }
      return { event, data: data.join('\n') };
    });
  return { frames, rest };
}

/** One server-sent event: its name ('message' when none) and its data lines joined. */
export interface SseFrame {
  event: string;
  data: string;
}

/**
 * Read an SSE body to its end, calling `onFrame` for each complete frame as it arrives (the one read loop every SSE
 * reader here uses). Rejects when the connection breaks or the read is aborted.
 */
export async function readSse(body: ReadableStream<Uint8Array>, onFrame: (f: SseFrame) => void): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    const { frames, rest } = splitFrames(buffer);
    buffer = rest;
    for (const f of frames) onFrame(f);
  }
}

/**
 * Stream one answer. Resolves when the stream ends (done, error or abort); never rejects for an abort:
 * `signal.aborted` tells the caller it was stopped.
 */
export async function streamChat(body: ChatStreamRequest, h: ChatStreamHandlers, signal: AbortSignal): Promise<void> {
  let res: Response;
  try {
    res = await fetch('/api/v1/chat', {
      method: 'POST',
      headers: { ...authHeaders(true), accept: 'text/event-stream' },
      body: JSON.stringify({ ...body, stream: true }),
      signal,
    });
  } catch (e) {
    if (signal.aborted) return;
    h.onError({ type: 'network', message: `Cannot reach the Hybrid AI server (${(e as Error).message}).` });
    return;
  }
  if (!res.ok || !res.body) {
    // Refused before streaming (no model, bad model, budget...): a JSON error, not SSE.
    const err = res.ok ? new ApiError(500, 'internal', 'The server sent no stream.') : await toApiError(res);
    if (res.status === 401) setToken(null);
    h.onError({ type: err.type, message: err.message, ...(err.kind ? { kind: err.kind } : {}) });
    return;
  }
  try {
    await readSse(res.body, (f) => dispatch(f, h));
  } catch (e) {
    if (signal.aborted) return;
    h.onError({ type: 'network', message: `The connection broke while streaming (${(e as Error).message}).` });
  }
}

function dispatch(f: SseFrame, h: ChatStreamHandlers): void {
  let data: unknown;
  try {
    data = JSON.parse(f.data);
  } catch {
    return;
  }
  switch (f.event) {
    case 'route':
      h.onRoute(data as RoutingInfo);
      break;
    case 'delta':
      h.onDelta((data as { text: string }).text);
      break;
    case 'summary':
      h.onSummary(data as AnswerSummary);
      break;
    case 'done':
      h.onDone((data as { finish_reason: string }).finish_reason);
      break;
    case 'error': {
      const e = (data as { error: StreamError }).error;
      h.onError({ type: e.type, message: e.message, ...(e.kind ? { kind: e.kind } : {}) });
      break;
    }
  }
}
