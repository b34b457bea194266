// Chat state: load a stored conversation, send a prompt and stream its answer, stop it, retry an answer elsewhere.
import { useCallback, useEffect, useRef, useState } from 'react';
import { api, ApiError } from '../../api/client';
import { sendFeedback } from '../../api/feedback';
import { invalidate } from '../../api/queries';
import { streamChat } from '../../api/stream';
import type { AnswerSummary, ConversationDto, ErrorType, FeedbackRating, MessageDto, RoutingInfo } from '../../api/types';

/*
 * One answer's life:
 *
 *   (send) ──► streaming ──done──► done
 *                 │ │
 *                 │ └──error────► error     (message + what fallback happened)
 *                 └──Stop/Esc───► stopped   (partial text kept)
 */
export type AnswerState = 'streaming' | 'done' | 'stopped' | 'error';

/** A message as the chat shows it. */
export interface UiMessage {
  /** Stable React key. */
  key: string;
  /** The stored message id, once the server has it (history on). */
  serverId?: string;
  role: 'user' | 'assistant';
  content: string;
  state: AnswerState;
  routing?: RoutingInfo;
  summary?: AnswerSummary;
  error?: { type: ErrorType | 'network'; message: string };
  /** What was asked for: 'auto', a model id, or 'local' (auto, kept on this machine). */
  requested?: string;
  /** The request this message belongs to (from the `route` event, or the stored message). */
  requestId?: string;
  /**
   * This answer replaced a local one the person retried with Claude: that model, and whether the "retry" verdict
   * (a miss, for the tuner) was stored on its request, or the error that stopped it.
   */
  retriedFrom?: { model: string; recorded: true } | { model: string; recorded: false; error: string };
  /** The verdict the server holds on this answer (a reopened conversation); a live answer's thumbs keep their own. */
  rating?: FeedbackRating;
}

/** An answer a local model gave (a cached answer counts as the model's that first gave it). */
export function isLocalAnswer(m: UiMessage): boolean {
  return m.role === 'assistant' && m.routing !== undefined && m.routing.engine !== 'anthropic';
}

/** Model choice value meaning "auto, but never leave this machine" (retry locally). */
export const LOCAL_ONLY_CHOICE = 'local';

let keySeq = 0;
const newKey = (): string => `m${Date.now().toString(36)}${(keySeq++).toString(36)}`;

/** Longest auto title: about what a sidebar row shows. */
const TITLE_CHARS = 60;

/** A conversation title from its first prompt: first line, collapsed spaces, cut at a word. */
export function titleFromPrompt(prompt: string): string {
  const line = prompt.trim().split('\n')[0]!.replace(/\s+/g, ' ');
  if (line.length <= TITLE_CHARS) return line || 'New chat';
  const cut = line.slice(0, TITLE_CHARS);
  const space = cut.lastIndexOf(' ');
  return `${(space > 30 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

/** What a stored answer says about the one it replaced (Retry with Claude), as the live answer said it. */
function retriedFromDto(r: MessageDto['retried_from']): UiMessage['retriedFrom'] {
  if (!r?.model) return undefined;
  return r.rating === 'retry'
    ? { model: r.model, recorded: true }
    : { model: r.model, recorded: false, error: 'the server holds no "retry" verdict on it.' };
}

/** A stored message as the chat shows it: badge (cached, escalated), rating and retry note as when it was live. */
export function fromDto(m: MessageDto): UiMessage {
  return {
    key: m.id,
    serverId: m.id,
    role: m.role === 'assistant' ? 'assistant' : 'user',
    content: m.content,
    state: m.status === 'aborted' ? 'stopped' : m.status === 'error' ? 'error' : 'done',
    routing: m.routing ?? undefined,
    requestId: m.request_id ?? undefined,
    summary: m.summary ?? undefined,
    error: m.status === 'error' ? { type: m.error_type ?? 'internal', message: 'This answer ended with an error.' } : undefined,
    rating: m.rating ?? undefined,
    retriedFrom: retriedFromDto(m.retried_from),
  };
}

/**
 * Give local messages the ids the server stored them under: by request id and role where known (both turns of an
 * exchange carry it), else by role and text in order. Messages the server did not keep (refused requests, empty
 * stopped answers) stay as they are. A stopped answer may differ in its last words from what the server kept, so
 * text alone cannot be trusted once a stream was cut.
 */
export function mergeServerIds(local: UiMessage[], server: MessageDto[]): UiMessage[] {
  const used = new Set<string>();
  const byRequest = new Map(server.filter((s) => s.request_id).map((s) => [`${s.role}:${s.request_id}`, s]));
  const withIds = local.map((m) => {
    const s = m.requestId ? byRequest.get(`${m.role}:${m.requestId}`) : undefined;
    if (!s) return m;
    used.add(s.id);
    return { ...m, serverId: s.id };
  });
  return withIds.map((m) => {
    if (m.serverId) return m;
    const s = server.find((x) => !used.has(x.id) && x.role === m.role && x.content === m.content);
    if (!s) return m;
    used.add(s.id);
    return { ...m, serverId: s.id };
  });
}

export interface ChatStream {
  messages: UiMessage[];
  streaming: boolean;
  loading: boolean;
  loadError: string | null;
  send(prompt: string, model: string): Promise<void>;
  stop(): void;
  /** Forget what is on screen (a new, unsaved chat). */
  reset(): void;
  retry(answerKey: string, where: 'cloud' | 'local', cloudModel: string): Promise<void>;
}

/**
 * `conversationId` null = a new chat; with history on, the first send creates the conversation and reports it via
 * `onCreated` (the caller navigates to it without reloading what is already on screen).
 */
export function useChatStream(conversationId: string | null, historyEnabled: boolean, onCreated: (c: ConversationDto) => void): ChatStream {
  const [messages, setMessagesState] = useState<UiMessage[]>([]);
  const [streaming, setStreaming] = useState(false);
  const [loading, setLoading] = useState(false);
  const [loadError, setLoadError] = useState<string | null>(null);
  const messagesRef = useRef<UiMessage[]>([]);
  const abortRef = useRef<AbortController | null>(null);
  const createdRef = useRef<string | null>(null);
  /** The refresh that gives just-streamed messages their stored ids (retry needs them). */
  const syncRef = useRef<Promise<void>>(Promise.resolve());
  const convRef = useRef<string | null>(conversationId);
  convRef.current = conversationId;

  const setMessages = useCallback((next: UiMessage[] | ((prev: UiMessage[]) => UiMessage[])) => {
    const value = typeof next === 'function' ? next(messagesRef.current) : next;
    messagesRef.current = value;
    setMessagesState(value);
  }, []);

  useEffect(() => {
    // The conversation we just created holds exactly what is on screen: do not reload it.
    if (conversationId !== null && createdRef.current === conversationId) {
      createdRef.current = null;
      return;
    }
    abortRef.current?.abort();
    setLoadError(null);
    if (conversationId === null) {
      setMessages([]);
      return;
    }
    const ac = new AbortController();
    setLoading(true);
    setMessages([]);
    api<{ conversation: ConversationDto; messages: MessageDto[] }>('GET', `/api/v1/conversations/${conversationId}`, undefined, ac.signal)
      .then(
        (r) => setMessages(r.messages.filter((m) => m.role !== 'system').map(fromDto)),
        (e: unknown) => {
          if (!ac.signal.aborted) setLoadError(e instanceof ApiError ? e.message : String(e));
        },
      )
      .finally(() => {
        if (!ac.signal.aborted) setLoading(false);
      });
    return () => ac.abort();
  }, [conversationId, setMessages]);

  const patchAnswer = useCallback(
    (key: string, patch: (m: UiMessage) => Partial<UiMessage>) =>
      setMessages((prev) => prev.map((m) => (m.key === key ? { ...m, ...patch(m) } : m))),
    [setMessages],
  );

  const syncIds = useCallback(
    async (convId: string): Promise<void> => {
      try {
        const r = await api<{ messages: MessageDto[] }>('GET', `/api/v1/conversations/${convId}`);
        if (convRef.current === convId) setMessages((prev) => mergeServerIds(prev, r.messages));
      } catch {
        // The ids only matter for retry; a failed refresh leaves the conversation as shown.
      }
    },
    [setMessages],
  );

  const run = useCallback(
    async (prompt: string, model: string, base: UiMessage[], answerExtra?: Partial<UiMessage>, retryOf?: string): Promise<void> => {
      if (abortRef.current && !abortRef.current.signal.aborted) return;
      const ac = new AbortController();
      abortRef.current = ac;
      setStreaming(true);
      let convId = convRef.current;
      const answerKey = newKey();
      const questionKey = newKey();
      const history = base
        .filter((m) => (m.role === 'user' || m.state === 'done' || m.state === 'stopped') && m.content.trim() !== '')
        .map((m) => ({ role: m.role, content: m.content }));
      setMessages([
        ...base,
        { key: questionKey, role: 'user', content: prompt, state: 'done' },
        { ...answerExtra, key: answerKey, role: 'assistant', content: '', state: 'streaming', requested: model },
      ]);
      try {
        if (convId === null && historyEnabled) {
          const { conversation } = await api<{ conversation: ConversationDto }>('POST', '/api/v1/conversations', {
            title: titleFromPrompt(prompt),
          });
          convId = conversation.id;
          createdRef.current = convId;
          onCreated(conversation);
        }
        // Deltas arrive faster than frames: batch them per animation frame so Markdown re-renders ≤ 60×/s.
        let pending = '';
        let frame = 0;
        const flush = (): void => {
          frame = 0;
          if (!pending) return;
          const add = pending;
          pending = '';
          patchAnswer(answerKey, (m) => ({ content: m.content + add }));
        };
        await streamChat(
          {
            messages: [...history, { role: 'user', content: prompt }],
            model: model === LOCAL_ONLY_CHOICE ? 'auto' : model,
            ...(model === LOCAL_ONLY_CHOICE ? { local_only: true } : {}),
            ...(convId && historyEnabled ? { conversation_id: convId, ...(retryOf ? { retry_of: retryOf } : {}) } : {}),
          },
          {
            onRoute: (routing) => {
              patchAnswer(answerKey, () => ({ routing, requestId: routing.id }));
              patchAnswer(questionKey, () => ({ requestId: routing.id }));
            },
            onDelta: (text) => {
              pending += text;
              if (!frame) frame = requestAnimationFrame(flush);
            },
            onSummary: (summary) => {
              flush();
              patchAnswer(answerKey, () => ({ summary }));
            },
            onDone: () => {
              flush();
              patchAnswer(answerKey, () => ({ state: 'done' }));
            },
            onError: (error) => {
              flush();
              patchAnswer(answerKey, () => ({ state: 'error', error }));
            },
          },
          ac.signal,
        );
        if (frame) cancelAnimationFrame(frame);
        flush();
        patchAnswer(answerKey, (m) =>
          m.state === 'streaming'
            ? ac.signal.aborted
              ? { state: 'stopped' }
              : { state: 'error', error: { type: 'network', message: 'The answer ended without finishing.' } }
            : {},
        );
      } catch (e) {
        patchAnswer(answerKey, () => ({
          state: 'error',
          error: { type: e instanceof ApiError ? e.type : 'internal', message: e instanceof Error ? e.message : String(e) },
        }));
      } finally {
        if (abortRef.current === ac) abortRef.current = null;
        setStreaming(false);
      }
      invalidate('/api/v1/stats');
      invalidate('/api/v1/settings');
      if (convId && historyEnabled) {
        invalidate('/api/v1/conversations');
        const sync = syncIds(convId);
        syncRef.current = sync;
        await sync;
      }
    },
    [historyEnabled, onCreated, patchAnswer, setMessages, syncIds],
  );

  const send = useCallback((prompt: string, model: string) => run(prompt, model, messagesRef.current), [run]);

  const stop = useCallback(() => {
    abortRef.current?.abort();
  }, []);

  const reset = useCallback(() => {
    abortRef.current?.abort();
    setMessages([]);
  }, [setMessages]);

  const retry = useCallback(
    async (answerKey: string, where: 'cloud' | 'local', cloudModel: string) => {
      if (abortRef.current) return;
      const convId = convRef.current;
      // Retry right after an answer finished: wait until its messages know their stored ids.
      await syncRef.current;
      if (convId && historyEnabled && !messagesRef.current.find((m) => m.key === answerKey)?.serverId) await syncIds(convId);
      const list = messagesRef.current;
      const i = list.findIndex((m) => m.key === answerKey);
      const question = list[i - 1];
      const answer = list[i];
      if (i < 1 || !question || question.role !== 'user' || !answer) return;
      // Regenerate = drop the question and everything after it on the server, then ask again.
      if (convId && question.serverId) {
        try {
          await api('DELETE', `/api/v1/conversations/${convId}/messages/${question.serverId}`);
        } catch (e) {
          if (!(e instanceof ApiError && e.status === 404)) throw e;
        }
      }
      // Asking Claude after a local answer is the router's miss: record it on that answer's request for the tuner.
      // A failed record does not stop the retry; the new answer says it was not recorded and why.
      let extra: Partial<UiMessage> | undefined;
      let retryOf: string | undefined;
      if (where === 'cloud' && isLocalAnswer(answer) && answer.requestId) {
        retryOf = answer.requestId;
        const model = answer.routing!.model;
        try {
          await sendFeedback(answer.requestId, 'retry');
          extra = { retriedFrom: { model, recorded: true } };
        } catch (e) {
          extra = { retriedFrom: { model, recorded: false, error: e instanceof Error ? e.message : String(e) } };
        }
      }
      await run(question.content, where === 'cloud' ? cloudModel : LOCAL_ONLY_CHOICE, list.slice(0, i - 1), extra, retryOf);
    },
    [run, syncIds, historyEnabled],
  );

  return { messages, streaming, loading, loadError, send, stop, reset, retry };
}
