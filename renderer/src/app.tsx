// App layout: navigation rail + the four screens (hash routes), the token gate, and app-wide keyboard shortcuts.
import { lazy, Suspense, useCallback, useEffect, useState } from 'react';
import { getToken, onTokenChange } from './api/client';
import { CoreBanner } from './components/CoreBanner';
import { Icon, type IconName } from './components/Icon';
import { ShortcutsDialog } from './components/ShortcutsDialog';
import { Spinner } from './components/Spinner';
import { ChatView, NEW_CHAT_EVENT } from './features/chat/ChatView';
import { TokenGate } from './features/TokenGate';

// Screens other than Chat load on first visit: the chart library alone outweighs the rest of the app.
const DashboardView = lazy(() => import('./features/dashboard/DashboardView'));
const ModelsView = lazy(() => import('./features/models/ModelsView'));
const SettingsView = lazy(() => import('./features/settings/SettingsView'));
const QuickAskView = lazy(() => import('./features/quick-ask/QuickAskView'));

export type Screen = 'chat' | 'dashboard' | 'models' | 'settings' | 'quick-ask';

/** `#/chat/<id>` → chat with a conversation; unknown hashes fall back to a new chat. */
export function parseHash(hash: string): { screen: Screen; conversationId: string | null } {
  const parts = hash.replace(/^#\/?/, '').split('/');
  const screen = parts[0] as Screen;
  if (screen === 'dashboard' || screen === 'models' || screen === 'settings' || screen === 'quick-ask')
    return { screen, conversationId: null };
  return { screen: 'chat', conversationId: parts[0] === 'chat' && parts[1] ? decodeURIComponent(parts[1]) : null };
}

const nav: Array<{ screen: Exclude<Screen, 'quick-ask'>; label: string; icon: IconName }> = [
  { screen: 'chat', label: 'Chat', icon: 'chat' },
  { screen: 'dashboard', label: 'Dashboard', icon: 'chart' },
  { screen: 'models', label: 'Models', icon: 'models' },
  { screen: 'settings', label: 'Settings', icon: 'settings' },
];

function useHashRoute() {
  const [hash, setHash] = useState(() => window.location.hash);
  useEffect(() => {
    const on = (): void => setHash(window.location.hash);
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  const navigate = useCallback((next: string) => {
    if (window.location.hash !== next) window.location.hash = next;
    setHash(next);
  }, []);
  return { route: parseHash(hash), navigate };
}

export function App() {
  const [token, setTokenState] = useState(getToken);
  const { route, navigate } = useHashRoute();
  useEffect(() => onTokenChange(setTokenState), []);

  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      if (window.location.hash.startsWith('#/quick-ask')) return;
      if ((e.ctrlKey || e.metaKey) && !e.altKey && !e.shiftKey && e.key.toLowerCase() === 'k') {
        e.preventDefault();
        // Told now, not after a timer: a mounted chat screen clears an unsaved chat before the next key arrives. A
        // deferred reset could land after a message typed and sent right after Ctrl+K, and abort it. Coming from
        // another screen, the chat screen mounts empty and focuses its composer itself.
        window.dispatchEvent(new Event(NEW_CHAT_EVENT));
        navigate('#/chat');
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [navigate]);

  useEffect(() => {
    const titles: Record<Screen, string> = {
      chat: 'Chat',
      dashboard: 'Dashboard',
      models: 'Models',
      settings: 'Settings',
      'quick-ask': 'Quick ask',
    };
    document.title = `${titles[route.screen]} · Hybrid AI`;
  }, [route.screen]);

  if (!token) return <TokenGate />;
  // The desktop shell's small tray window: no navigation, just the prompt and the answer.
  if (route.screen === 'quick-ask') {
    return (
      <Suspense fallback={null}>
        <QuickAskView />
      </Suspense>
    );
  }

  return (
    <div className="app">
      <CoreBanner />
      <ShortcutsDialog />
      <a
        href="#main"
        className="skip-link"
        onClick={(e) => {
          e.preventDefault();
          document.getElementById('main')?.focus();
        }}
      >
        Skip to content
      </a>
      <nav className="rail" aria-label="Main">
        <div className="brand" aria-hidden="true">
          <Icon name="bolt" size={18} />
        </div>
        <ul>
          {nav.map((n) => (
            <li key={n.screen}>
              <a href={`#/${n.screen}`} className="rail-link" aria-current={route.screen === n.screen ? 'page' : undefined}>
                <Icon name={n.icon} size={20} />
                <span>{n.label}</span>
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" className="main" tabIndex={-1}>
        <Suspense
          fallback={
            <div className="center-pad">
              <Spinner />
            </div>
          }
        >
          {route.screen === 'chat' && <ChatView conversationId={route.conversationId} navigate={navigate} />}
          {route.screen === 'dashboard' && <DashboardView />}
          {route.screen === 'models' && <ModelsView />}
          {route.screen === 'settings' && <SettingsView />}
        </Suspense>
      </main>
    </div>
  );
}
