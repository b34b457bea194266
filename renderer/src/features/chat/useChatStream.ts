// Chat state: load a stored conversation, send a prompt and stream its answer, stop it, retry or edit a turn as a new version.
import { useCallback, useEffect, useRef, useState } from 'react';
import { api, ApiError } from '../../api/client';
import { sendFeedback } from '../../api/feedback';
import { invalidate } from '../../api/queries';
import { streamChat, type StreamError } from '../../api/stream';
import type { AnswerSummary, ConversationDto, FeedbackRating, MessageDto, RoutingInfo, VersionsDto } from '../../api/types';

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
  error?: StreamError;
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
  /** This turn's versions, as the server stores them (history on). */
  versions?: VersionsDto;
  /** A new version of this answer was asked for and failed: why (this answer is kept). */
  versionError?: string;
}

/** How a turn gets a new version: another answer (auto, Claude, local) or an edited prompt. */
export type RetryWhere = 'auto' | 'cloud' | 'local';

/** An answer a local model gave (a cached answer counts as the model's that first gave it): the core names no cloud provider. */
export function isLocalAnswer(m: UiMessage): boolean {
  return m.role === 'assistant' && m.routing !== undefined && m.routing.provider === undefined;
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
    versions: m.versions,
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
    // A stopped answer gets no summary on the stream; the server's (tokens, cost, time) is what a reload shows.
    const summary = m.summary ?? (m.state === 'stopped' ? (s.summary ?? undefined) : undefined);
    return { ...m, serverId: s.id, versions: s.versions, ...(summary ? { summary } : {}) };
  });
  return withIds.map((m) => {
    if (m.serverId) return m.versions ? m : { ...m, versions: server.find((x) => x.id === m.serverId)?.versions };
    const s = server.find((x) => !used.has(x.id) && x.role === m.role && x.content === m.content);
    if (!s) return m;
    used.add(s.id);
    return { ...m, serverId: s.id, versions: s.versions };
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
  /** A new version of an answer (nothing is replaced: the old one stays a version); a failed one keeps the old. */
  retry(answerKey: string, where: RetryWhere, cloudModel: string): Promise<void>;
  /** Send an edited prompt as a new version of that turn. */
  edit(questionKey: string, prompt: string, model: string): Promise<void>;
  /** Show another version of a turn (and what followed it). */
  switchVersion(versionId: string): Promise<void>;
  /** Delete one message (the caller has asked for confirmation); the messages after it stay. */
  remove(key: string): Promise<void>;
  /** Why the last switch or delete failed (null when it did not). */
  actionError: string | null;
}

/** What a run adds to the screen and how it is stored. */
interface RunOptions {
  /** The answer's extra fields (the retry note). */
  answerExtra?: Partial<UiMessage>;
  retryOf?: string;
  /** The stored message this exchange is a new version of. */
  versionOf?: string;
  /** `base` already ends with the question (a new answer to it): only the answer is added. */
  keepQuestion?: boolean;
  /** What to show again if no answer came (a failed new version keeps the old), and the note for its answer. */
  restoreOnFail?: { list: UiMessage[]; answerKey: string; label: string };
  /** Run once the answer finished well (records the "retry" verdict only for a retry that really answered). */
  onAnswered?: (answerKey: string) => Promise<void>;
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
  const [actionError, setActionError] = useState<string | null>(null);
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
    setActionError(null);
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
    async (prompt: string, model: string, base: UiMessage[], opts: RunOptions = {}): Promise<void> => {
      const { answerExtra, retryOf, versionOf, keepQuestion, restoreOnFail, onAnswered } = opts;
      if (abortRef.current && !abortRef.current.signal.aborted) return;
      const ac = new AbortController();
      abortRef.current = ac;
      setStreaming(true);
      let convId = convRef.current;
      const answerKey = newKey();
      const questionKey = keepQuestion ? base[base.length - 1]!.key : newKey();
      const history = (keepQuestion ? base.slice(0, -1) : base)
        .filter((m) => (m.role === 'user' || m.state === 'done' || m.state === 'stopped') && m.content.trim() !== '')
        .map((m) => ({ role: m.role, content: m.content }));
      // The exchange follows the last message on screen: another window may have moved the stored leaf since (a regenerate
      // or a version switch there), and the follow-up would hang under an answer this one never showed.
      const parentId = versionOf || keepQuestion ? undefined : base[base.length - 1]?.serverId;
      setMessages([
        ...base,
        ...(keepQuestion ? [] : [{ key: questionKey, role: 'user' as const, content: prompt, state: 'done' as const }]),
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
          // The sidebar and the title list it now, not only when its first answer ends (seconds to minutes later).
          invalidate('/api/v1/conversations');
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
            ...(convId && historyEnabled
              ? {
                  conversation_id: convId,
                  ...(retryOf ? { retry_of: retryOf } : {}),
                  ...(versionOf ? { version_of: versionOf } : {}),
                  ...(parentId ? { parent_id: parentId } : {}),
                }
              : {}),
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
          error: {
            type: e instanceof ApiError ? e.type : 'internal',
            message: e instanceof Error ? e.message : String(e),
            ...(e instanceof ApiError && e.kind ? { kind: e.kind } : {}),
          },
        }));
      } finally {
        if (abortRef.current === ac) abortRef.current = null;
        setStreaming(false);
      }
      const answer = messagesRef.current.find((m) => m.key === answerKey);
      if (restoreOnFail && answer && answer.content === '' && answer.state !== 'done') {
        // No new answer came: the old version is shown again, with why (the server stored nothing for this attempt).
        const why = answer.state === 'stopped' ? 'stopped before the first word' : (answer.error?.message ?? 'no answer');
        setMessages(
          restoreOnFail.list.map((m) =>
            m.key === restoreOnFail.answerKey ? { ...m, versionError: `${restoreOnFail.label} failed: ${why} This answer is kept.` } : m,
          ),
        );
      } else if (answer?.state === 'done' && onAnswered) {
        await onAnswered(answerKey);
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

  /** Wait until the message `key` knows its stored id (an action right after an answer finished). */
  const ensureIds = useCallback(
    async (key: string): Promise<void> => {
      const convId = convRef.current;
      await syncRef.current;
      if (convId && historyEnabled && !messagesRef.current.find((m) => m.key === key)?.serverId) await syncIds(convId);
    },
    [historyEnabled, syncIds],
  );

  const retry = useCallback(
    async (answerKey: string, where: RetryWhere, cloudModel: string) => {
      if (abortRef.current) return;
      await ensureIds(answerKey);
      const list = messagesRef.current;
      const i = list.findIndex((m) => m.key === answerKey);
      const question = list[i - 1];
      const answer = list[i];
      if (i < 1 || !question || question.role !== 'user' || !answer) return;
      const stored = Boolean(convRef.current && historyEnabled && answer.serverId);
      // Asking Claude after a local answer is the router's miss: recorded on that answer's request for the tuner, once
      // Claude has really answered (a failed retry records nothing). A failed record says so on the new answer.
      const local = where === 'cloud' && isLocalAnswer(answer) && answer.requestId ? answer : undefined;
      const label = where === 'cloud' ? 'Retry with Claude' : where === 'local' ? 'Retry locally' : 'Regenerate';
      await run(question.content, where === 'cloud' ? cloudModel : where === 'local' ? LOCAL_ONLY_CHOICE : 'auto', list.slice(0, i), {
        keepQuestion: true,
        retryOf: local?.requestId,
        versionOf: stored ? answer.serverId : undefined,
        restoreOnFail: { list, answerKey, label },
        onAnswered: local
          ? async (newKey) => {
              const model = local.routing!.model;
              try {
                await sendFeedback(local.requestId!, 'retry');
                patchAnswer(newKey, () => ({ retriedFrom: { model, recorded: true } }));
              } catch (e) {
                patchAnswer(newKey, () => ({
                  retriedFrom: { model, recorded: false, error: e instanceof Error ? e.message : String(e) },
                }));
              }
            }
          : undefined,
      });
    },
    [run, ensureIds, historyEnabled, patchAnswer],
  );

  const edit = useCallback(
    async (questionKey: string, prompt: string, model: string) => {
      if (abortRef.current) return;
      await ensureIds(questionKey);
      const list = messagesRef.current;
      const i = list.findIndex((m) => m.key === questionKey);
      const question = list[i];
      if (i < 0 || !question || question.role !== 'user') return;
      const stored = Boolean(convRef.current && historyEnabled && question.serverId);
      await run(prompt, model, list.slice(0, i), { versionOf: stored ? question.serverId : undefined });
    },
    [run, ensureIds, historyEnabled],
  );

  /** Replace what is on screen with the server's path (after a switch or a delete). */
  const showPath = useCallback(
    (convId: string, path: MessageDto[]) => {
      if (convRef.current === convId) setMessages(path.filter((m) => m.role !== 'system').map(fromDto));
    },
    [setMessages],
  );

  const switchVersion = useCallback(
    async (versionId: string) => {
      const convId = convRef.current;
      if (abortRef.current || !convId) return;
      setActionError(null);
      try {
        const r = await api<{ messages: MessageDto[] }>('PUT', `/api/v1/conversations/${convId}/active`, { message_id: versionId });
        showPath(convId, r.messages);
      } catch (e) {
        setActionError(`Could not show that version: ${e instanceof Error ? e.message : String(e)}`);
      }
    },
    [showPath],
  );

  const remove = useCallback(
    async (key: string) => {
      if (abortRef.current) return;
      await ensureIds(key);
      const convId = convRef.current;
      const m = messagesRef.current.find((x) => x.key === key);
      if (!m) return;
      setActionError(null);
      if (!convId || !historyEnabled || !m.serverId) {
        // Not stored (history off, or the server kept no copy): only the screen had it.
        setMessages((prev) => prev.filter((x) => x.key !== key));
        return;
      }
      try {
        const r = await api<{ messages: MessageDto[] }>('DELETE', `/api/v1/conversations/${convId}/messages/${m.serverId}`);
        showPath(convId, r.messages);
        invalidate('/api/v1/conversations');
      } catch (e) {
        setActionError(`The message was not deleted: ${e instanceof Error ? e.message : String(e)}`);
      }
    },
    [ensureIds, historyEnabled, setMessages, showPath],
  );

  return { messages, streaming, loading, loadError, send, stop, reset, retry, edit, switchVersion, remove, actionError };
}
