// Chat screen: sidebar + conversation + composer, with plain-spoken states for no local model, no key, budget.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useCloud, useConversations, useModels, useSettings } from '../../api/queries';
import type { CloudSettingsDto, ConversationDto, ModelsDto } from '../../api/types';
import { Button } from '../../components/Button';
import { Icon } from '../../components/Icon';
import { Notice } from '../../components/Notice';
import { Spinner } from '../../components/Spinner';
import { Composer, modelOptions } from './Composer';
import { ConversationSidebar } from './ConversationSidebar';
import { MessageList, type RetryAvailability } from './MessageList';
import { download, exportFileName, toJson, toMarkdown } from './export';
import { firstPrivateTurn } from './privacy';
import { LOCAL_ONLY_CHOICE, useChatStream } from './useChatStream';

/** Fired by the app-wide Ctrl/Cmd+K shortcut. */
export const NEW_CHAT_EVENT = 'hybrid-ai:new-chat';

/** How the chat names each cloud provider. */
const providerWords: Record<CloudSettingsDto['first_choice'], string> = {
  anthropic: 'Claude',
  openai: 'OpenAI',
  gemini: 'Gemini',
  compat: 'OpenAI-compatible cloud',
};

/**
 * Why the cloud cannot answer, in a few words, from the core's verdict (GET /api/v1/cloud): the core decides, this only
 * words it. null when it can (or while the verdict loads).
 */
export function cloudOffWords(cloud: CloudSettingsDto | undefined): string | null {
  const s = cloud?.status;
  if (!s || s.available) return null;
  if (s.kind === 'local-only') return 'local-only mode';
  if (s.kind === 'budget') return 'budget reached';
  if (s.kind === 'unavailable' && cloud.first_choice === 'anthropic') {
    const claude = cloud.providers.find((p) => p.provider === 'anthropic');
    if (!claude?.key.configured) return 'no Claude key';
  }
  return s.reason ?? 'unavailable';
}

const samples = [
  'What is the capital of Australia?',
  'Write a haiku about a quiet server room',
  'Compare B-trees and LSM-trees for a write-heavy workload, with trade-offs',
];

function hasLocalModel(models: ModelsDto | undefined): boolean {
  return (models?.models ?? []).some((m) => m.kind === 'local' && m.available_on.length > 0);
}

export function ChatView({ conversationId, navigate }: { conversationId: string | null; navigate(hash: string): void }) {
  const models = useModels();
  const settings = useSettings();
  const cloud = useCloud();
  const titles = useConversations('');
  const historyEnabled = settings.data?.history_enabled ?? false;
  const [model, setModel] = useState('auto');
  // Below 860 px the conversations are a drawer (CSS hides the toggle on wider windows, where the list is always shown).
  const [drawer, setDrawer] = useState(false);
  const drawerToggle = useRef<HTMLButtonElement>(null);
  const closeDrawer = useCallback(() => {
    setDrawer(false);
    drawerToggle.current?.focus();
  }, []);
  useEffect(() => {
    // A conversation picked (or a new chat) closes the drawer.
    setDrawer(false);
  }, [conversationId]);
  useEffect(() => {
    if (drawer) document.getElementById('conv-search')?.focus();
  }, [drawer]);
  const composer = useRef<HTMLTextAreaElement>(null);

  const onCreated = useCallback((c: ConversationDto) => navigate(`#/chat/${c.id}`), [navigate]);
  const chat = useChatStream(conversationId, historyEnabled, onCreated);

  // The core says whether the cloud can answer and why not; until it has said, the cloud is not offered.
  const cloudOff: string | null = cloud.data ? cloudOffWords(cloud.data) : cloud.error ? cloud.error.message : 'checking';
  const cloudName = providerWords[cloud.data?.status.provider ?? cloud.data?.first_choice ?? 'anthropic'];
  // Some cloud is set up (a key, Vertex AI or a compatible cloud); unknown until the core says, so nothing flashes.
  const keyConfigured = cloud.data ? cloud.data.providers.some((p) => p.configured) : true;
  // "Retry with the cloud" asks the model the router's own cloud rung would use now.
  const retryCloudModel = cloud.data?.status.model ?? cloud.data?.providers.find((p) => p.provider === cloud.data?.first_choice)?.model;
  const localReady = hasLocalModel(models.data);
  // A chat the privacy guard kept local stays local: every request carries that earlier turn (the core answers 403).
  const kept = firstPrivateTurn(chat.messages);
  const pickerCloudOff = cloudOff ?? (kept ? `this chat contains ${kept.what}` : null);
  const firstChoice = cloud.data?.first_choice;
  const options = useMemo(() => modelOptions(models.data, pickerCloudOff, firstChoice), [models.data, pickerCloudOff, firstChoice]);
  useEffect(() => {
    // The picked model just became unavailable (e.g. Claude in a chat that turned private): back to auto, not a silent 403.
    if (options.find((o) => o.value === model)?.disabled) setModel('auto');
  }, [options, model]);
  const retry: RetryAvailability = {
    cloud: cloudOff === null,
    local: localReady,
    cloudWhyNot: cloudOff ? `${cloudName} is unavailable: ${cloudOff}` : undefined,
    cloudName,
    localWhyNot: localReady ? undefined : 'No local model is installed yet',
  };

  useEffect(() => {
    const onNew = (): void => {
      if (conversationId === null) chat.reset();
      composer.current?.focus();
    };
    window.addEventListener(NEW_CHAT_EVENT, onNew);
    return () => window.removeEventListener(NEW_CHAT_EVENT, onNew);
  }, [conversationId, chat]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      if (e.key === 'Escape' && chat.streaming) {
        e.preventDefault();
        chat.stop();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [chat]);

  useEffect(() => {
    composer.current?.focus();
  }, [conversationId]);

  const title =
    conversationId === null ? 'New chat' : (titles.data?.conversations.find((c) => c.id === conversationId)?.title ?? 'Conversation');
  const empty = chat.messages.length === 0 && !chat.loading;

  const footer = (
    <>
      {settings.data?.local_only && (
        <span className="chip">
          <Icon name="laptop" size={12} /> Local only
        </span>
      )}
      {settings.data?.budget_status.cloud_blocked && !settings.data.local_only && (
        <span className="chip chip-warn">
          <Icon name="alert" size={12} /> Cloud budget reached: local only until it resets
        </span>
      )}
      {!historyEnabled && <span className="chip">History off: this chat is not saved</span>}
      {model === LOCAL_ONLY_CHOICE && <span className="chip">This message stays on this computer</span>}
      {kept && (
        <span className="chip" data-testid="chat-private">
          <Icon name="laptop" size={12} /> This chat stays on this computer: it contains {kept.what}
        </span>
      )}
    </>
  );

  return (
    <div className="chat-layout">
      <ConversationSidebar
        activeId={conversationId}
        historyEnabled={historyEnabled}
        drawerOpen={drawer}
        onCloseDrawer={closeDrawer}
        onNewChat={() => {
          setDrawer(false);
          navigate('#/chat');
          window.dispatchEvent(new Event(NEW_CHAT_EVENT));
        }}
        onDeleted={(id) => {
          if (id === conversationId) navigate('#/chat');
        }}
      />
      {drawer && <div className="drawer-backdrop" aria-hidden="true" onClick={closeDrawer} />}
      <section className="chat-main" aria-labelledby="chat-title">
        <header className="chat-head">
          <button
            ref={drawerToggle}
            type="button"
            className="drawer-toggle icon-btn btn-ghost"
            aria-label="Conversations"
            aria-expanded={drawer}
            aria-controls="conversations"
            onClick={() => setDrawer((d) => !d)}
          >
            <Icon name="chat" size={18} />
          </button>
          <h1 id="chat-title" className="chat-title">
            {title}
          </h1>
          {chat.streaming && <Spinner label="Answering" />}
          {chat.messages.length > 0 && !chat.streaming && (
            <div className="chat-export" role="group" aria-label="Export this conversation">
              <Button
                size="sm"
                variant="ghost"
                icon="download"
                title="Download this conversation as Markdown"
                aria-label="Export as .md"
                onClick={() => download(exportFileName(title, 'md'), 'text/markdown', toMarkdown(title, chat.messages, new Date()))}
              >
                .md
              </Button>
              <Button
                size="sm"
                variant="ghost"
                icon="download"
                title="Download this conversation as JSON (with each answer's model and cost)"
                aria-label="Export as .json"
                onClick={() =>
                  download(exportFileName(title, 'json'), 'application/json', toJson(title, conversationId, chat.messages, new Date()))
                }
              >
                .json
              </Button>
            </div>
          )}
        </header>
        {chat.actionError && (
          <div className="chat-notice">
            <Notice tone="error" title="That did not work">
              {chat.actionError}
            </Notice>
          </div>
        )}
        {chat.loadError && (
          <div className="chat-notice">
            <Notice tone="error" title="Could not open this conversation">
              {chat.loadError}
            </Notice>
          </div>
        )}
        <MessageList
          messages={chat.messages}
          retry={retry}
          busy={chat.streaming}
          actions={{
            onRetry: (key, where) => void chat.retry(key, where, retryCloudModel || 'auto'),
            onEdit: (key, prompt) => void chat.edit(key, prompt, model),
            onSwitch: (id) => void chat.switchVersion(id),
            onDelete: (key) => void chat.remove(key),
          }}
        >
          {chat.loading && (
            <div className="center-pad">
              <Spinner label="Loading the conversation" />
            </div>
          )}
          {empty && (
            <div className="welcome">
              <div className="welcome-mark" aria-hidden="true">
                <Icon name="spark" size={28} />
              </div>
              <h2>What can I help with?</h2>
              <p className="muted">
                Simple prompts run free on this computer; hard ones go to Claude. Every answer shows which model answered, why, and what it
                cost.
              </p>
              <div className="welcome-notices">
                {models.data && !localReady && (
                  <Notice tone="warn" title="No local model yet">
                    {keyConfigured
                      ? 'Prompts can only go to Claude until you download one.'
                      : 'Nothing can answer until you download one or add a Claude key.'}{' '}
                    <a href="#/models">Open Models</a> to get a small model (about 700 MB).
                  </Notice>
                )}
                {models.data && !keyConfigured && (
                  <Notice tone="info" title="Claude is off: no API key">
                    Hard prompts will be answered by the best local model instead. Add your key in <a href="#/settings">Settings</a> to use
                    Claude.
                  </Notice>
                )}
                {settings.data?.budget_status.cloud_blocked && (
                  <Notice tone="warn" title="Cloud budget reached">
                    {settings.data.budget_status.cloud_blocked}.
                  </Notice>
                )}
              </div>
              <ul className="samples" aria-label="Example prompts">
                {samples.map((s) => (
                  <li key={s}>
                    <button type="button" className="sample" onClick={() => void chat.send(s, model)}>
                      {s}
                    </button>
                  </li>
                ))}
              </ul>
            </div>
          )}
        </MessageList>
        <Composer
          ref={composer}
          streaming={chat.streaming}
          model={model}
          options={options}
          onModel={setModel}
          onSend={(t) => void chat.send(t, model)}
          onStop={chat.stop}
          footer={footer}
        />
      </section>
    </div>
  );
}
