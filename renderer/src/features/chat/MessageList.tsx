// The conversation: user turns, streamed Markdown answers with their badge, errors with the fallback, thumbs, versions, retry, edit, delete.
import { useEffect, useLayoutEffect, useRef, useState, type ReactNode } from 'react';
import { Button, IconButton } from '../../components/Button';
import { CopyButton } from '../../components/CopyButton';
import { Dialog } from '../../components/Dialog';
import { Icon } from '../../components/Icon';
import { Markdown } from '../../components/Markdown';
import { formatBytes, splitAttachments } from './attachments';
import { FeedbackButtons, type Thumb } from './FeedbackButtons';
import { firstPrivateTurn, privacyFinding, privateCloudReason } from './privacy';
import type { ErrorKind } from '../../api/types';
import { RouteBadge } from './RouteBadge';
import { isLocalAnswer, type RetryWhere, type UiMessage } from './useChatStream';

/** How close to the bottom (px) still counts as "following" the stream: about two lines of text. */
const FOLLOW_SLACK_PX = 48;

/**
 * Long conversations render their newest messages first and earlier ones in pages as the reader scrolls up:
 * 60 messages of Markdown render in well under a frame budget's worth of batches, 300 at once do not.
 */
export const MESSAGE_PAGE = 60;

/** What the person can do to a message; every action but switching versions is disabled while an answer streams. */
export interface MessageActions {
  onRetry(key: string, where: RetryWhere): void;
  onEdit(key: string, prompt: string): void;
  /** Show version `id` of a turn. */
  onSwitch(id: string): void;
  /** Delete one message (already confirmed). */
  onDelete(key: string): void;
}

export interface RetryAvailability {
  cloud: boolean;
  local: boolean;
  cloudWhyNot?: string;
  localWhyNot?: string;
  /** The cloud a retry asks (the core's first choice that can answer); default Claude. */
  cloudName?: string;
}

/** What to do about an error, from its type and (for a refusal) its typed cause. */
export function errorHint(type: string, kind?: ErrorKind): ReactNode {
  switch (type) {
    case 'no_model_available':
      return (
        <>
          Download a local model in <a href="#/models">Models</a>, or add a Claude key in <a href="#/settings">Settings</a>.
        </>
      );
    case 'upstream_auth':
      return (
        <>
          Claude refused the API key: check it in <a href="#/settings">Settings</a>.
        </>
      );
    case 'rate_limited':
      return (
        <>
          The cloud budget is used up: raise it in <a href="#/settings">Settings</a> or retry locally.
        </>
      );
    case 'forbidden':
      // 403 has several causes; the core's typed kind says which (the privacy guard, local-only mode, a local-only request).
      if (kind === 'privacy') {
        return (
          <>
            The conversation holds private data, so it stays on this computer. Edit or delete that message, or start a new chat, to use
            Claude.
          </>
        );
      }
      if (kind === 'local-only') {
        return (
          <>
            Local-only mode is on: turn it off in <a href="#/settings">Settings</a> to use Claude.
          </>
        );
      }
      return null;
    case 'network':
      return <>Check that the server is still running.</>;
    default:
      return null;
  }
}

/** The thumb a stored verdict presses ("retry" presses neither: it is the replaced answer's, shown as a note). */
export function thumbOf(rating: UiMessage['rating']): Thumb | null {
  return rating === 'up' || rating === 'down' ? rating : null;
}

/** "‹ 2/3 ›": the versions of one turn; shown only when there is more than one. */

/** A prompt as sent: attached files folded (name and size, the content one click away), then the typed text. */
function PromptBody({ content }: { content: string }) {
  const { files, text } = splitAttachments(content);
  if (files.length === 0) return <>{content}</>;
  return (
    <>
      {files.map((f, i) => (
        <details key={i} className="bubble-file" data-testid="bubble-file">
          <summary>
            <Icon name="paperclip" size={12} /> {f.name}{' '}
            <span className="muted">{formatBytes(new TextEncoder().encode(f.text).length)}</span>
          </summary>
          <pre>{f.text}</pre>
        </details>
      ))}
      {text}
    </>
  );
}

function VersionSwitcher({ m, busy, onSwitch, what }: { m: UiMessage; busy: boolean; onSwitch(id: string): void; what: string }) {
  const v = m.versions;
  if (!v || v.count < 2) return null;
  const prev = v.ids[v.index - 2];
  const next = v.ids[v.index];
  return (
    <div className="versions" role="group" aria-label={`Versions of this ${what}`} data-testid="versions">
      <IconButton
        icon="chevron"
        className="version-prev"
        label="Previous version"
        disabled={busy || !prev}
        onClick={() => prev && onSwitch(prev)}
      />
      <span className="version-count" aria-live="polite" data-testid="version-count">
        <span className="visually-hidden">Version </span>
        {v.index}/{v.count}
      </span>
      <IconButton icon="chevron" label="Next version" disabled={busy || !next} onClick={() => next && onSwitch(next)} />
    </div>
  );
}

/** A prompt: its text, or an editor whose "Send" adds the edited prompt as a new version of the turn. */
function Question({
  m,
  busy,
  actions,
  onAskDelete,
  unanswered,
}: {
  m: UiMessage;
  busy: boolean;
  actions: MessageActions;
  onAskDelete(m: UiMessage): void;
  /** No answer follows this prompt: the server kept none (stopped, reloaded or refused before the first word, or deleted). */
  unanswered?: boolean;
}) {
  const [draft, setDraft] = useState<string | null>(null);
  if (draft !== null) {
    const submit = (): void => {
      if (!draft.trim()) return;
      actions.onEdit(m.key, draft);
      setDraft(null);
    };
    return (
      <article className="msg msg-user msg-editing" aria-label="You">
        <label className="visually-hidden" htmlFor={`edit-${m.key}`}>
          Edit your message
        </label>
        <textarea
          id={`edit-${m.key}`}
          className="edit-box"
          value={draft}
          rows={Math.min(8, Math.max(2, draft.split('\n').length))}
          autoFocus
          onChange={(e) => setDraft(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Escape') {
              e.preventDefault();
              e.stopPropagation();
              setDraft(null);
            } else if (e.key === 'Enter' && !e.shiftKey) {
              e.preventDefault();
              submit();
            }
          }}
        />
        <div className="msg-actions">
          <Button size="sm" variant="primary" icon="send" disabled={busy || !draft.trim()} onClick={submit}>
            Send as a new version
          </Button>
          <Button size="sm" variant="ghost" onClick={() => setDraft(null)}>
            Cancel
          </Button>
        </div>
      </article>
    );
  }
  return (
    <article className="msg msg-user" aria-label="You">
      <div className="bubble">
        <PromptBody content={m.content} />
      </div>
      <div className="msg-actions msg-actions-user">
        <VersionSwitcher m={m} busy={busy} onSwitch={actions.onSwitch} what="prompt" />
        <IconButton
          icon="pencil"
          label="Edit and resend"
          disabled={busy}
          title="Edit this prompt and send it again (the original stays as version 1)"
          onClick={() => setDraft(m.content)}
        />
        <IconButton icon="trash" label="Delete this message" disabled={busy} onClick={() => onAskDelete(m)} />
      </div>
      {unanswered && (
        <p className="msg-note" data-testid="unanswered">
          No answer is kept for this message: it was stopped or refused before its first word, or deleted. Edit and resend to ask again.
        </p>
      )}
    </article>
  );
}

function Answer({
  m,
  retry,
  actions,
  onAskDelete,
  busy,
  privateNote,
}: {
  m: UiMessage;
  retry: RetryAvailability;
  actions: MessageActions;
  onAskDelete(m: UiMessage): void;
  busy: boolean;
  /** The privacy guard kept this conversation local from an earlier turn or this one: why Claude cannot be asked. */
  privateNote?: { pill: string; cloudWhyNot: string };
}) {
  const onRetry = actions.onRetry;
  const cloudOk = retry.cloud && !privateNote;
  const finished = m.state !== 'streaming';
  // Only an answer the server recorded can be rated: it needs its request id (and some text to judge).
  const rateable = finished && m.state !== 'error' && m.requestId !== undefined && m.content !== '';
  const local = isLocalAnswer(m);
  const cloudTitle = privateNote
    ? privateNote.cloudWhyNot
    : !retry.cloud
      ? retry.cloudWhyNot
      : local && m.requestId
        ? `Ask ${retry.cloudName ?? 'Claude'} for a new version of this answer (this one stays; tells the router this local answer was a miss)`
        : `Ask ${retry.cloudName ?? 'Claude'} for a new version of this answer (this one stays)`;
  return (
    <article className="msg msg-assistant" aria-label="Answer" aria-busy={m.state === 'streaming'} data-state={m.state}>
      {m.content ? (
        <Markdown text={m.content} />
      ) : m.state === 'streaming' ? (
        <div className="typing" aria-label="Waiting for the first words">
          <span />
          <span />
          <span />
        </div>
      ) : null}
      {m.state === 'stopped' && <p className="msg-note">Stopped{m.content ? '' : ' before the first word'}.</p>}
      {m.state === 'error' && m.error && (
        <div className="msg-error" role="alert" data-testid="answer-error">
          <strong>{m.content ? 'The answer broke off: ' : 'No answer: '}</strong>
          {m.error.message} {errorHint(m.error.type, m.error.kind)}
        </div>
      )}
      {m.routing && (
        <RouteBadge
          routing={m.routing}
          summary={m.summary}
          streaming={m.state === 'streaming'}
          ended={m.state === 'stopped' || m.state === 'error' ? m.state : undefined}
          privatePill={privateNote?.pill}
        />
      )}
      {m.retriedFrom &&
        (m.retriedFrom.recorded ? (
          <p className="msg-note retry-note" data-testid="retry-note">
            Asked Claude again: {m.retriedFrom.model}&rsquo;s answer was recorded as a miss for the router.
          </p>
        ) : (
          <p className="msg-note retry-note retry-note-error" role="alert" data-testid="retry-note">
            Asked Claude again, but {m.retriedFrom.model}&rsquo;s answer was not recorded as a miss: {m.retriedFrom.error}
          </p>
        ))}
      {m.versionError && (
        <p className="msg-note retry-note retry-note-error" role="alert" data-testid="version-error">
          {m.versionError}
        </p>
      )}
      {m.rating === 'retry' && (
        <p className="msg-note retry-note" data-testid="retried-note">
          You asked Claude again after this answer: it was recorded as a miss for the router.
        </p>
      )}
      {finished && (
        <div className="msg-actions">
          <VersionSwitcher m={m} busy={busy} onSwitch={actions.onSwitch} what="answer" />
          {rateable && <FeedbackButtons key={m.requestId} requestId={m.requestId!} initial={thumbOf(m.rating)} />}
          {m.content && <CopyButton text={m.content} label="Copy answer" showText />}
          <Button
            size="sm"
            variant="ghost"
            icon="cloud"
            disabled={busy || !cloudOk}
            title={cloudTitle}
            onClick={() => onRetry(m.key, 'cloud')}
          >
            Retry with {retry.cloudName ?? 'Claude'}
          </Button>
          <Button
            size="sm"
            variant="ghost"
            icon="laptop"
            disabled={busy || !retry.local}
            title={retry.local ? 'Ask a local model for a new version of this answer (this one stays)' : retry.localWhyNot}
            onClick={() => onRetry(m.key, 'local')}
          >
            Retry locally
          </Button>
          <Button
            size="sm"
            variant="ghost"
            icon="retry"
            disabled={busy}
            title="Ask again with automatic routing, as a new version (this answer stays)"
            onClick={() => onRetry(m.key, 'auto')}
          >
            Regenerate
          </Button>
          <IconButton icon="trash" label="Delete this answer" disabled={busy} onClick={() => onAskDelete(m)} />
        </div>
      )}
    </article>
  );
}

/** Scrolls with the stream while the reader is at the bottom; stays put when they scrolled up to read. */
export function MessageList({
  messages,
  retry,
  actions,
  busy,
  children,
}: {
  messages: UiMessage[];
  retry: RetryAvailability;
  actions: MessageActions;
  busy: boolean;
  children?: ReactNode;
}) {
  const [confirmDelete, setConfirmDelete] = useState<UiMessage | null>(null);
  const scroller = useRef<HTMLDivElement>(null);
  const inner = useRef<HTMLDivElement>(null);
  const sentinel = useRef<HTMLDivElement>(null);
  const following = useRef(true);
  /** Where this list last scrolled itself to: a scroll event that lands there is ours, not the reader's. */
  const ownTop = useRef<number | null>(null);
  const toBottom = (el: HTMLElement): void => {
    el.scrollTop = el.scrollHeight;
    ownTop.current = el.scrollTop;
  };
  const lastCount = useRef(0);
  const firstKey = messages[0]?.key;
  const [page, setPage] = useState({ key: firstKey, from: Math.max(0, messages.length - MESSAGE_PAGE) });
  let from = page.from;
  if (page.key !== firstKey) {
    // Another conversation (or a new one): start from its newest page (derived during render, so the full list
    // is never rendered even once).
    from = Math.max(0, messages.length - MESSAGE_PAGE);
    setPage({ key: firstKey, from });
  }
  const setFrom = (next: (f: number) => number): void => setPage((p) => ({ ...p, from: next(p.from) }));
  /** Distance from the bottom before earlier messages were added, to keep what the reader sees in place. */
  const anchor = useRef<number | null>(null);

  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    // A new turn always scrolls into view; streamed text only while following.
    if (messages.length !== lastCount.current || following.current) toBottom(el);
    if (messages.length !== lastCount.current) following.current = true;
    lastCount.current = messages.length;
  }, [messages]);

  useEffect(() => {
    // Messages far off screen are laid out lazily (content-visibility), so the conversation grows after it is opened
    // and while answers render: stay at the newest message while following (a reopened chat opens at its end).
    const el = scroller.current;
    const content = inner.current;
    if (!el || !content || typeof ResizeObserver === 'undefined') return;
    const ro = new ResizeObserver(() => {
      if (following.current && anchor.current === null) toBottom(el);
    });
    ro.observe(content);
    return () => ro.disconnect();
  }, []);

  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el || anchor.current === null) return;
    el.scrollTop = el.scrollHeight - anchor.current;
    anchor.current = null;
  }, [from]);

  useEffect(() => {
    const el = sentinel.current;
    if (!el || from === 0) return;
    const io = new IntersectionObserver(
      (entries) => {
        if (!entries.some((e) => e.isIntersecting) || !scroller.current) return;
        anchor.current = scroller.current.scrollHeight - scroller.current.scrollTop;
        setFrom((f) => Math.max(0, f - MESSAGE_PAGE));
      },
      // Start loading a screen before the reader reaches the top.
      { root: scroller.current, rootMargin: '600px 0px 0px 0px' },
    );
    io.observe(el);
    return () => io.disconnect();
  }, [from]);

  const shown = from > 0 ? messages.slice(from) : messages;
  // From the first answer the privacy guard kept local, every later request carries that turn: no Claude from there on.
  const kept = firstPrivateTurn(messages);
  const privateNoteOf = (m: UiMessage, i: number): { pill: string; cloudWhyNot: string } | undefined => {
    if (!kept || i < kept.index) return undefined;
    const own = privacyFinding(m.routing);
    return {
      pill:
        i === kept.index || own === null
          ? `kept on this computer: contained ${kept.what}`
          : `kept on this computer: the chat contains ${own}`,
      cloudWhyNot: privateCloudReason(kept.what),
    };
  };

  return (
    <div
      className="messages"
      ref={scroller}
      onScroll={(e) => {
        const el = e.currentTarget;
        // Our own jump to the end, seen after lazily laid-out messages changed the height: still following.
        if (ownTop.current !== null && Math.abs(el.scrollTop - ownTop.current) < 1) return;
        ownTop.current = null;
        following.current = el.scrollHeight - el.scrollTop - el.clientHeight < FOLLOW_SLACK_PX;
      }}
      tabIndex={0}
      role="region"
      aria-label="Conversation"
    >
      <div className="messages-inner" ref={inner}>
        {children}
        {from > 0 && (
          <div ref={sentinel} className="earlier" role="status">
            {from} earlier messages
          </div>
        )}
        {shown.map((m, j) =>
          m.role === 'user' ? (
            <Question
              key={m.key}
              m={m}
              busy={busy}
              actions={actions}
              onAskDelete={setConfirmDelete}
              unanswered={shown[j + 1]?.role !== 'assistant'}
            />
          ) : (
            <Answer
              key={m.key}
              m={m}
              retry={retry}
              actions={actions}
              onAskDelete={setConfirmDelete}
              busy={busy}
              privateNote={privateNoteOf(m, j + from)}
            />
          ),
        )}
      </div>
      <Dialog
        open={confirmDelete !== null}
        title={confirmDelete?.role === 'user' ? 'Delete this message?' : 'Delete this answer?'}
        onClose={() => setConfirmDelete(null)}
      >
        <p>
          Only this {confirmDelete?.role === 'user' ? 'message' : 'answer'} is deleted; the messages after it stay. Its cost stays in the
          dashboard.
        </p>
        <div className="dialog-actions">
          <Button variant="secondary" onClick={() => setConfirmDelete(null)}>
            Cancel
          </Button>
          <Button
            variant="danger"
            onClick={() => {
              if (confirmDelete) actions.onDelete(confirmDelete.key);
              setConfirmDelete(null);
            }}
          >
            Delete
          </Button>
        </div>
      </Dialog>
    </div>
  );
}
