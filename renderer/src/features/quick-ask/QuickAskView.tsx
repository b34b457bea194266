// Quick ask (the desktop tray window, #/quick-ask): one prompt, the streamed answer with its badge and thumbs; Esc stops or hides.
import { useCallback, useEffect, useRef, useState } from 'react';
import { useSettings } from '../../api/queries';
import type { ConversationDto } from '../../api/types';
import { Button } from '../../components/Button';
import { CopyButton } from '../../components/CopyButton';
import { Icon } from '../../components/Icon';
import { Markdown } from '../../components/Markdown';
import { hideQuickAsk, openConversation } from '../../shell';
import { FeedbackButtons } from '../chat/FeedbackButtons';
import { thumbOf } from '../chat/MessageList';
import { RouteBadge } from '../chat/RouteBadge';
import { useChatStream } from '../chat/useChatStream';

const isMac = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform);

export default function QuickAskView() {
  const settings = useSettings();
  const [conversationId, setConversationId] = useState<string | null>(null);
  const [text, setText] = useState('');
  const input = useRef<HTMLTextAreaElement>(null);
  const onCreated = useCallback((c: ConversationDto) => setConversationId(c.id), []);
  const chat = useChatStream(conversationId, settings.data?.history_enabled ?? false, onCreated);
  const answer = [...chat.messages].reverse().find((m) => m.role === 'assistant');
  // The question the shown answer is for (the box is cleared once sent, so it is said again above the answer).
  const question = answer ? chat.messages[chat.messages.indexOf(answer) - 1] : undefined;

  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      if (e.key === 'Escape') {
        e.preventDefault();
        if (chat.streaming) chat.stop();
        else hideQuickAsk();
      } else if ((e.metaKey || e.ctrlKey) && e.key.toLowerCase() === 'c' && answer?.content) {
        // One key to copy the answer, unless the person selected something to copy themselves.
        if (window.getSelection()?.toString()) return;
        e.preventDefault();
        void navigator.clipboard.writeText(answer.content).catch(() => undefined);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [chat, answer]);

  useEffect(() => {
    // The window is shown again and again: put the caret back in the box each time it gets focus.
    const onFocus = (): void => input.current?.focus();
    window.addEventListener('focus', onFocus);
    input.current?.focus();
    return () => window.removeEventListener('focus', onFocus);
  }, []);

  const ask = (): void => {
    const t = text.trim();
    if (!t || chat.streaming) return;
    setText('');
    // Follow-ups continue the same conversation (context kept); only the latest answer is shown.
    void chat.send(t, 'auto');
  };

  return (
    <main className="quick" aria-label="Quick ask">
      <form
        className="quick-form"
        onSubmit={(e) => {
          e.preventDefault();
          ask();
        }}
      >
        <Icon name="spark" size={18} className="quick-icon" />
        <label htmlFor="quick-prompt" className="visually-hidden">
          Ask a quick question
        </label>
        <textarea
          id="quick-prompt"
          ref={input}
          rows={1}
          value={text}
          placeholder="Ask anything…"
          onChange={(e) => setText(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
              e.preventDefault();
              ask();
            }
          }}
        />
      </form>
      <div className="quick-answer" aria-busy={chat.streaming}>
        {answer ? (
          <article aria-label="Answer" data-state={answer.state}>
            {question?.role === 'user' && (
              <p className="quick-question" data-testid="quick-question">
                <span className="muted">You asked: </span>
                {question.content}
              </p>
            )}
            {/* The badge first: in a small window it stays in view above a long answer. */}
            {answer.routing && (
              <RouteBadge
                routing={answer.routing}
                summary={answer.summary}
                streaming={answer.state === 'streaming'}
                ended={answer.state === 'stopped' || answer.state === 'error' ? answer.state : undefined}
              />
            )}
            {answer.content ? <Markdown text={answer.content} /> : answer.state === 'streaming' && <p className="muted">Thinking…</p>}
            {answer.state === 'error' && answer.error && (
              <p className="msg-error" role="alert">
                {answer.error.message}
              </p>
            )}
            {answer.state === 'stopped' && <p className="msg-note">Stopped.</p>}
          </article>
        ) : (
          <p className="muted quick-hint">
            <kbd>Enter</kbd> ask · <kbd>Esc</kbd> {chat.streaming ? 'stop' : 'close'} · <kbd>{isMac ? '⌘' : 'Ctrl'}</kbd>+<kbd>C</kbd> copy
            the answer
          </p>
        )}
      </div>
      {answer && answer.state !== 'streaming' && (
        <div className="quick-actions">
          {/* Rateable like a chat answer: recorded by the server (a request id) with text to judge. */}
          {answer.state !== 'error' && answer.requestId && answer.content && (
            <FeedbackButtons key={answer.requestId} requestId={answer.requestId} initial={thumbOf(answer.rating)} />
          )}
          {answer.content && <CopyButton text={answer.content} label="Copy answer" showText />}
          {conversationId && (
            <Button size="sm" variant="ghost" icon="chat" onClick={() => openConversation(conversationId)}>
              Open in app
            </Button>
          )}
        </div>
      )}
    </main>
  );
}
