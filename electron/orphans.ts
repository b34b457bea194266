// Orphan reaping by recorded identity: the pid AND the start time of each process the shell started, kept in a pid file, on every OS.
//
// A pid alone is not an identity: after a crash (or a reboot) the number can belong to any other process. The start
// time as the OS reports it is unique for a live pid, so a recorded {pid, started} that still matches is our orphan,
// and nothing else ever is.
import { execFile } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';

/** One process the shell started. */
export interface ProcessRecord {
  pid: number;
  /** The OS's start time of that pid, as {@link processStartTime} reads it (opaque; compared for equality). */
  started: string;
  /** What it was, for the log line. */
  what: string;
}

/** Reads a live process's start time; null when the pid does not exist (or cannot be read). */
export type StartTimeProbe = (pid: number) => Promise<string | null>;

/** `ps`/PowerShell answer within this, or the process counts as unknown (never reaped on a guess). */
const PROBE_TIMEOUT_MS = 5_000;

function run(cmd: string, args: string[]): Promise<string | null> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: PROBE_TIMEOUT_MS, windowsHide: true }, (err, stdout) => {
      const out = stdout.toString().trim();
      resolve(err || out === '' ? null : out);
    });
  });
}

/**
 * The start time of `pid` on this OS. Linux: field 22 of /proc/<pid>/stat (clock ticks since boot). macOS: `ps -o
 * lstart=`. Windows: the process's CreationDate from CIM, to the microsecond.
 */
export function processStartTime(platform: NodeJS.Platform = process.platform): StartTimeProbe {
  return async (pid) => {
    if (!Number.isInteger(pid) || pid <= 0) return null;
    if (platform === 'linux') {
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
      if (stat === null) return null;
      // The command name (field 2) may contain spaces and parentheses: count fields after its closing ")".
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return fields[19] ?? null;
    }
    if (platform === 'win32') {
      return run('powershell.exe', [
        '-NoProfile',
        '-NonInteractive',
        '-Command',
        `(Get-CimInstance Win32_Process -Filter "ProcessId=${pid}").CreationDate.ToString('o')`,
      ]);
    }
    return run('ps', ['-o', 'lstart=', '-p', String(pid)]);
  };
}

/** Pure: the records in a pid file's text (bad lines are skipped: a hand-edited or torn file never reaps anything). */
export function parsePidFile(text: string): ProcessRecord[] {
  const out: ProcessRecord[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const r = JSON.parse(line) as Partial<ProcessRecord>;
      if (Number.isInteger(r.pid) && (r.pid as number) > 1 && typeof r.started === 'string' && r.started !== '') {
        out.push({ pid: r.pid as number, started: r.started, what: typeof r.what === 'string' ? r.what : 'process' });
      }
    } catch {
      // not a record
    }
  }
  return out;
}

/** Options of {@link createPidFile}. */
export interface PidFileOptions {
  file: string;
  probe?: StartTimeProbe;
  /** Ends a process (default process.kill with SIGKILL: an orphan gets no grace, it already lost its parent). */
  kill?: (pid: number) => void;
  log?: (line: string) => void;
}

/** The shell's pid file. */
export interface PidFile {
  /** End every recorded process whose pid still has the recorded start time; then forget them all. Returns the pids ended. */
  reap(): Promise<number[]>;
  /** Record a process we just started (its start time is read now). */
  record(pid: number, what: string): Promise<void>;
  /** Forget a process that exited. */
  forget(pid: number): Promise<void>;
}

/** Open the pid file (nothing is read until reap()). */
export function createPidFile(o: PidFileOptions): PidFile {
  const probe = o.probe ?? processStartTime();
  const kill = o.kill ?? ((pid: number) => process.kill(pid, 'SIGKILL'));
  let records: ProcessRecord[] = [];
  const save = async (): Promise<void> => {
    const text = records.map((r) => JSON.stringify(r)).join('\n');
    await (text ? writeFile(o.file, `${text}\n`, { mode: 0o600 }) : rm(o.file, { force: true })).catch(() => undefined);
  };
  return {
    async reap() {
      const old = parsePidFile(await readFile(o.file, 'utf8').catch(() => ''));
      const ended: number[] = [];
      for (const r of old) {
        if (r.pid === process.pid) continue;
        const now = await probe(r.pid);
        if (now === null || now !== r.started) continue;
        try {
          kill(r.pid);
          ended.push(r.pid);
          o.log?.(`shell: ended an orphaned ${r.what} (pid ${r.pid}) left by an earlier run`);
        } catch {
          // already gone
        }
      }
      records = [];
      await save();
      return ended;
    },
    async record(pid, what) {
      const started = await probe(pid);
      if (started === null) return;
      records = [...records.filter((r) => r.pid !== pid), { pid, started, what }];
      await save();
    },
    async forget(pid) {
      records = records.filter((r) => r.pid !== pid);
      await save();
    },
  };
}
