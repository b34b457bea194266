// A process's identity for orphan reaping: its pid plus the start time the OS reports, so a recycled pid is never mistaken for ours.
// (The desktop shell has the same probe in electron/orphans.ts: the layers may not import each other.)
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';

/** `ps`/PowerShell answer within this, or the process counts as unknown (never killed on a guess). */
const PROBE_TIMEOUT_MS = 5_000;

function run(cmd: string, args: string[]): Promise<string | null> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: PROBE_TIMEOUT_MS, windowsHide: true }, (err, stdout) => {
      const out = String(stdout).trim();
      resolve(err || out === '' ? null : out);
    });
  });
}

/**
 * The start time of `pid` as this OS reports it (opaque, compared for equality), or null when there is no such
 * process. Linux: field 22 of /proc/<pid>/stat; macOS: `ps -o lstart=`; Windows: CreationDate from CIM.
 */
export async function processStartTime(pid: number, platform: NodeJS.Platform = process.platform): Promise<string | null> {
  if (!Number.isInteger(pid) || pid <= 0) return null;
  if (platform === 'linux') {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
    if (stat === null) return null;
    // The command name (field 2) may contain spaces and parentheses: count fields after its closing ")".
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
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
}
