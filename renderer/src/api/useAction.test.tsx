// @vitest-environment jsdom
// useAction: busy while an action runs, its failure kept as a typed ApiError (kind included), a second start ignored.
import { act, cleanup, renderHook } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError } from './client';
import { useAction } from './useAction';

afterEach(cleanup);

/** A promise the test settles by hand. */
function deferred(): { promise: Promise<void>; resolve(): void; reject(e: unknown): void } {
  let resolve!: () => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('useAction', () => {
  it('is busy from start to end of a run, and not after a success', async () => {
    const { result } = renderHook(() => useAction());
    expect(result.current.busy).toBe(false);
    const d = deferred();
    let done!: Promise<boolean>;
    act(() => {
      done = result.current.run(() => d.promise);
    });
    expect(result.current.busy).toBe(true);
    await act(async () => {
      d.resolve();
      expect(await done).toBe(true);
    });
    expect(result.current.busy).toBe(false);
    expect(result.current.error).toBeNull();
  });

  it('keeps the API client’s error with its kind, passes it to onError, and clears it on the next run', async () => {
    const { result } = renderHook(() => useAction());
    const refusal = new ApiError(400, 'invalid_request', 'The OS keychain is unavailable.', 'keychain-unavailable');
    const seen: ApiError[] = [];
    await act(async () => {
      expect(
        await result.current.run(
          () => Promise.reject(refusal),
          (e) => seen.push(e),
        ),
      ).toBe(false);
    });
    expect(result.current.busy).toBe(false);
    expect(result.current.error).toBe(refusal);
    expect(result.current.error?.kind).toBe('keychain-unavailable');
    expect(seen).toEqual([refusal]);

    const d = deferred();
    act(() => {
      void result.current.run(() => d.promise);
    });
    expect(result.current.error).toBeNull();
    await act(async () => d.resolve());
  });

  it('turns anything else thrown into an ApiError with its text', async () => {
    const { result } = renderHook(() => useAction());
    await act(async () => {
      await result.current.run(() => Promise.reject(new TypeError('boom')));
    });
    expect(result.current.error).toBeInstanceOf(ApiError);
    expect(result.current.error).toMatchObject({ type: 'internal', message: 'TypeError: boom' });
    expect(result.current.error?.kind).toBeUndefined();
  });

  it('ignores a second start while a run is under way, even in the same tick', async () => {
    const { result } = renderHook(() => useAction());
    const d = deferred();
    let calls = 0;
    const fn = (): Promise<void> => {
      calls++;
      return d.promise;
    };
    let first!: Promise<boolean>;
    let second!: Promise<boolean>;
    act(() => {
      first = result.current.run(fn);
      second = result.current.run(fn);
    });
    expect(calls).toBe(1);
    expect(await second).toBe(false);
    await act(async () => {
      d.resolve();
      expect(await first).toBe(true);
    });
    // Once the first has ended, the action can run again.
    await act(async () => {
      expect(await result.current.run(fn)).toBe(true);
    });
    expect(calls).toBe(2);
  });
});
