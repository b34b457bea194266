// One user action against the API at a time: busy while it runs, its failure kept as a typed ApiError, a second start ignored.
import { useCallback, useRef, useState } from 'react';
import { type ApiError, asApiError } from './client';

export interface Action {
  /** True from start to end of a run (drives disabled buttons). */
  busy: boolean;
  /** The last run's failure (its `kind` kept for the UI to act on); null before a run, while one runs, and after a success. */
  error: ApiError | null;
  /**
   * Run `fn` unless a run is under way (then nothing happens and false comes back): clears `error`, sets `busy`, and on a
   * throw keeps it as `error` and calls `onError` with it. True when `fn` finished without throwing.
   */
  run(fn: () => Promise<unknown>, onError?: (e: ApiError) => void): Promise<boolean>;
}

/** Busy / error state for the async actions of one component (they share it: one at a time). */
export function useAction(): Action {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  // State is read at render time; a second click in the same tick must see the run already under way.
  const running = useRef(false);

  const run = useCallback(async (fn: () => Promise<unknown>, onError?: (e: ApiError) => void): Promise<boolean> => {
    if (running.current) return false;
    running.current = true;
    setBusy(true);
    setError(null);
    try {
      await fn();
      return true;
    } catch (e) {
      const err = asApiError(e);
      setError(err);
      onError?.(err);
      return false;
    } finally {
      running.current = false;
      setBusy(false);
    }
  }, []);

  return { busy, error, run };
}
