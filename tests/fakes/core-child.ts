// Stand-in for the core process (router-core/server/main.ts in a utility/child process) and a manual clock, for shell tests.
import type { CoreChild, SpawnCore, Timers } from '../../electron/core-process.js';

/** A scripted core process: the test makes it ready, print, crash or exit. */
export class FakeCoreChild implements CoreChild {
  static seq = 1;
  readonly pid = 50_000 + FakeCoreChild.seq++;
  shutdowns = 0;
  kills: Array<boolean | undefined> = [];
  exited = false;
  private messageListeners: Array<(m: unknown) => void> = [];
  private exitListeners: Array<(code: number | null) => void> = [];
  private outputListeners: Array<(line: string) => void> = [];
  constructor(
    readonly entry: string,
    readonly args: string[],
    readonly opts: { env: NodeJS.ProcessEnv; execArgv: string[] },
  ) {}
  /** The --port the shell asked for. */
  get port(): string | undefined {
    const i = this.args.indexOf('--port');
    return i >= 0 ? this.args[i + 1] : undefined;
  }
  shutdown(): void {
    this.shutdowns++;
  }
  kill(force?: boolean): void {
    this.kills.push(force);
  }
  onMessage(l: (m: unknown) => void): void {
    this.messageListeners.push(l);
  }
  onExit(l: (code: number | null) => void): void {
    this.exitListeners.push(l);
  }
  onOutput(l: (line: string) => void): void {
    this.outputListeners.push(l);
  }
  /** Send the core's ready message. */
  ready(url: string, token = 'fake-token-0123456789abcdef'): void {
    for (const l of this.messageListeners) l({ type: 'ready', url, token });
  }
  send(m: unknown): void {
    for (const l of this.messageListeners) l(m);
  }
  print(line: string): void {
    for (const l of this.outputListeners) l(line);
  }
  exit(code: number | null): void {
    if (this.exited) return;
    this.exited = true;
    for (const l of this.exitListeners) l(code);
  }
}

/** A spawner that records every child. `onSpawn` may script each one (e.g. make it ready at once). */
export function fakeSpawner(onSpawn?: (child: FakeCoreChild, index: number) => void): { spawn: SpawnCore; children: FakeCoreChild[] } {
  const children: FakeCoreChild[] = [];
  return {
    children,
    spawn: (entry, args, opts) => {
      const c = new FakeCoreChild(entry, args, opts);
      children.push(c);
      if (onSpawn) queueMicrotask(() => onSpawn(c, children.length - 1));
      return c;
    },
  };
}

/** A manual clock: timers run only when the test advances time. */
export function manualTimers(): Timers & { advance(ms: number): void; pending(): number[] } {
  let now = 1_000_000;
  let seq = 0;
  const timers = new Map<number, { at: number; fn: () => void }>();
  return {
    now: () => now,
    setTimeout(fn, ms) {
      const id = ++seq;
      timers.set(id, { at: now + ms, fn });
      return id;
    },
    clearTimeout(h) {
      timers.delete(h as number);
    },
    advance(ms) {
      const end = now + ms;
      for (;;) {
        const next = [...timers.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
        if (!next) break;
        timers.delete(next[0]);
        now = next[1].at;
        next[1].fn();
      }
      now = end;
    },
    pending: () => [...timers.values()].map((t) => t.at - now).sort((a, b) => a - b),
  };
}
