// Data hooks over the API: load on mount, reload on demand or when another screen says the data changed.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { ApiError } from './client';
import { api, asApiError } from './client';
import type { ClaudeKeyStatus, CloudSettingsDto, ConversationDto, ModelsDto, SettingsDto, StatsDto } from './types';

type Listener = (path: string) => void;
const listeners = new Set<Listener>();

/** Answers that follow another's: the cloud's verdict follows settings (local-only, budgets, spend) and keys/models. */
const follows: Record<string, string[]> = {
  '/api/v1/settings': ['/api/v1/cloud'],
  '/api/v1/models': ['/api/v1/cloud'],
};

/** Tell every mounted hook whose path starts with `prefix` to reload (e.g. after a chat: stats, conversations). */
export function invalidate(prefix: string): void {
  for (const l of listeners) l(prefix);
  for (const next of follows[prefix] ?? []) for (const l of listeners) l(next);
}

export interface Resource<T> {
  data: T | undefined;
  error: ApiError | undefined;
  loading: boolean;
  reload(): void;
  /** Replace the data locally (optimistic updates, PUT responses). */
  set(data: T): void;
}

/** GET `path` (null = nothing to load yet). Keeps the last data while reloading, so screens do not flash. */
export function useApi<T>(path: string | null): Resource<T> {
  const [state, setState] = useState<{ data?: T; error?: ApiError; loading: boolean }>({ loading: path !== null });
  const [nonce, setNonce] = useState(0);
  const pathRef = useRef(path);
  pathRef.current = path;

  useEffect(() => {
    if (path === null) return;
    const ac = new AbortController();
    setState((s) => ({ ...s, loading: true }));
    api<T>('GET', path, undefined, ac.signal).then(
      (data) => setState({ data, loading: false }),
      (e: unknown) => {
        if (ac.signal.aborted) return;
        setState((s) => ({
          data: s.data,
          loading: false,
          error: asApiError(e),
        }));
      },
    );
    return () => ac.abort();
  }, [path, nonce]);

  useEffect(() => {
    const l: Listener = (prefix) => {
      if (pathRef.current?.startsWith(prefix)) setNonce((n) => n + 1);
    };
    listeners.add(l);
    return () => {
      listeners.delete(l);
    };
  }, []);

  const reload = useCallback(() => setNonce((n) => n + 1), []);
  const set = useCallback((data: T) => setState({ data, loading: false }), []);
  return { data: state.data, error: state.error, loading: state.loading, reload, set };
}

export type StatsRange = 'today' | '7d' | '30d' | 'month' | 'all';

export const useStats = (range: StatsRange) => useApi<StatsDto>(`/api/v1/stats?range=${range}`);
export const useModels = () => useApi<ModelsDto>('/api/v1/models');
export const useSettings = () => useApi<SettingsDto>('/api/v1/settings');
export const useClaudeKey = () => useApi<ClaudeKeyStatus>('/api/v1/settings/claude-key');
/** Cloud providers, first choice, fallback order, and whether the cloud can answer now (the core's verdict). */
export const useCloud = () => useApi<CloudSettingsDto>('/api/v1/cloud');
export const useConversations = (search: string) =>
  useApi<{ history_enabled: boolean; conversations: ConversationDto[] }>(
    `/api/v1/conversations${search.trim() ? `?search=${encodeURIComponent(search.trim())}` : ''}`,
  );
