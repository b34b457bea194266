// Conversations sidebar: new chat, search, rename in place, delete with confirmation.
import { useEffect, useState } from 'react';
import { api, ApiError } from '../../api/client';
import { invalidate, useConversations } from '../../api/queries';
import type { ConversationDto } from '../../api/types';
import { Button, IconButton } from '../../components/Button';
import { Dialog } from '../../components/Dialog';
import { Icon } from '../../components/Icon';
import { formatWhen } from '../../lib/format';

/** Wait this long after the last keystroke before searching: fast typists should not fire a query per letter. */
const SEARCH_DEBOUNCE_MS = 200;

const isMac = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform);

/** The snippet cut into plain and matching parts (case-insensitive), so each hit of the search can be marked. */
export function highlightParts(snippet: string, query: string): Array<{ text: string; hit: boolean }> {
  const q = query.trim().toLowerCase();
  if (q === '') return [{ text: snippet, hit: false }];
  const out: Array<{ text: string; hit: boolean }> = [];
  const lower = snippet.toLowerCase();
  let from = 0;
  for (let at = lower.indexOf(q); at !== -1; at = lower.indexOf(q, from)) {
    if (at > from) out.push({ text: snippet.slice(from, at), hit: false });
    out.push({ text: snippet.slice(at, at + q.length), hit: true });
    from = at + q.length;
  }
  if (from < snippet.length) out.push({ text: snippet.slice(from), hit: false });
  return out;
}

function Row({
  c,
  active,
  onDelete,
  onError,
  query = '',
}: {
  c: ConversationDto;
  active: boolean;
  /** The search that found this row: its hits in the snippet are marked. */
  query?: string;
  onDelete(c: ConversationDto): void;
  onError(msg: string): void;
}) {
  const [editing, setEditing] = useState(false);
  const [title, setTitle] = useState(c.title);
  useEffect(() => setTitle(c.title), [c.title]);

  const save = async (): Promise<void> => {
    const t = title.trim();
    setEditing(false);
    if (!t || t === c.title) {
      setTitle(c.title);
      return;
    }
    try {
      await api('PATCH', `/api/v1/conversations/${c.id}`, { title: t });
      invalidate('/api/v1/conversations');
    } catch (e) {
      setTitle(c.title);
      onError(e instanceof ApiError ? e.message : String(e));
    }
  };

  if (editing) {
    return (
      <li className="conv conv-editing">
        <label className="visually-hidden" htmlFor={`rename-${c.id}`}>
          Rename conversation
        </label>
        <input
          id={`rename-${c.id}`}
          className="conv-rename"
          value={title}
          autoFocus
          maxLength={200}
          onChange={(e) => setTitle(e.target.value)}
          onBlur={() => void save()}
          onKeyDown={(e) => {
            if (e.key === 'Enter') {
              e.preventDefault();
              void save();
            } else if (e.key === 'Escape') {
              e.preventDefault();
              e.stopPropagation();
              setTitle(c.title);
              setEditing(false);
            }
          }}
        />
      </li>
    );
  }
  return (
    <li className={`conv${active ? ' active' : ''}`}>
      <a href={`#/chat/${c.id}`} className="conv-link" aria-current={active ? 'page' : undefined}>
        <span className="conv-title">{c.title}</span>
        {c.snippet && (
          <span className="conv-snippet" data-testid="conv-snippet">
            {highlightParts(c.snippet, query).map((p, i) => (p.hit ? <mark key={i}>{p.text}</mark> : <span key={i}>{p.text}</span>))}
          </span>
        )}
        <span className="conv-when">{formatWhen(c.updated_at, Date.now())}</span>
      </a>
      <span className="conv-actions">
        <IconButton icon="pencil" label={`Rename “${c.title}”`} onClick={() => setEditing(true)} />
        <IconButton icon="trash" label={`Delete “${c.title}”`} onClick={() => onDelete(c)} />
      </span>
    </li>
  );
}

/** `activeId` is highlighted; deleting it sends the caller back to a new chat through `onDeleted`. */
export function ConversationSidebar({
  activeId,
  historyEnabled,
  onNewChat,
  onDeleted,
  drawerOpen = false,
  onCloseDrawer,
}: {
  activeId: string | null;
  historyEnabled: boolean;
  onNewChat(): void;
  onDeleted(id: string): void;
  /** Below 860 px the list is a drawer over the chat: whether it is open, and how it closes (Esc, backdrop, a pick). */
  drawerOpen?: boolean;
  onCloseDrawer?(): void;
}) {
  const [query, setQuery] = useState('');
  const [search, setSearch] = useState('');
  const [confirm, setConfirm] = useState<ConversationDto | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const t = setTimeout(() => setSearch(query), SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(t);
  }, [query]);
  const list = useConversations(search);
  const conversations = list.data?.conversations ?? [];

  const remove = async (c: ConversationDto): Promise<void> => {
    setConfirm(null);
    try {
      await api('DELETE', `/api/v1/conversations/${c.id}`);
      invalidate('/api/v1/conversations');
      onDeleted(c.id);
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    }
  };

  return (
    <aside
      className={`sidebar${drawerOpen ? ' sidebar-open' : ''}`}
      id="conversations"
      aria-label="Conversations"
      onKeyDown={(e) => {
        if (e.key === 'Escape' && drawerOpen && confirm === null) {
          e.preventDefault();
          onCloseDrawer?.();
        }
      }}
    >
      <div className="sidebar-head">
        <Button variant="primary" icon="plus" className="new-chat" onClick={onNewChat} aria-keyshortcuts={isMac ? 'Meta+K' : 'Control+K'}>
          New chat
          <kbd className="kbd-hint">{isMac ? '⌘K' : 'Ctrl K'}</kbd>
        </Button>
        <div className="search">
          <Icon name="search" size={14} className="search-icon" />
          <label htmlFor="conv-search" className="visually-hidden">
            Search conversations
          </label>
          <input id="conv-search" type="search" placeholder="Search" value={query} onChange={(e) => setQuery(e.target.value)} />
        </div>
      </div>
      {error && (
        <p className="sidebar-error" role="alert">
          {error}
        </p>
      )}
      <nav className="conv-list" aria-label="Saved conversations">
        {!historyEnabled && conversations.length === 0 ? (
          <p className="sidebar-empty">
            History is off, so chats are not saved. Turn it on in <a href="#/settings">Settings</a>.
          </p>
        ) : conversations.length === 0 ? (
          <p className="sidebar-empty">{search ? `Nothing matches “${search}”.` : 'No conversations yet.'}</p>
        ) : (
          <ul>
            {conversations.map((c) => (
              <Row key={c.id} c={c} active={c.id === activeId} query={search} onDelete={setConfirm} onError={setError} />
            ))}
          </ul>
        )}
      </nav>
      <Dialog open={confirm !== null} title="Delete this conversation?" onClose={() => setConfirm(null)}>
        <p>“{confirm?.title}” and all its messages will be deleted from this computer. Costs stay in the dashboard.</p>
        <div className="dialog-actions">
          <Button variant="secondary" onClick={() => setConfirm(null)}>
            Cancel
          </Button>
          <Button variant="danger" onClick={() => confirm && void remove(confirm)}>
            Delete
          </Button>
        </div>
      </Dialog>
    </aside>
  );
}
