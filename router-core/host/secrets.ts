// SecretStore: the Claude key in the OS keychain, ANTHROPIC_API_KEY, or a 0600 file; the value never leaves the core.
//
// Binding: @napi-rs/keyring, not keytar. keytar is archived upstream (no fixes since 2022) and needs libsecret-dev plus
// a node-gyp build where its prebuilt download fails (offline CI); @napi-rs/keyring is maintained, ships prebuilt N-API
// binaries for every desktop target (ABI-stable across Node and Electron, so no rebuild for packaging) and talks to the
// Secret Service over D-Bus directly (no libsecret). It is keytar-compatible in shape (service + account/username),
// but the two do not share items, so a key saved by keytar must be saved again. On Linux every entry is pinned to
// `store: 'secret-service'`: unpinned, it silently falls back to the kernel keyring (keyutils), which forgets the
// key at logout and is denied in many containers.
import { chmodSync, existsSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { AsyncEntry } from '@napi-rs/keyring';
import { CoreError } from '../errors.js';

/** Where a secret lives (wire value of `store`). */
export type SecretBackendName = 'keychain' | 'file' | 'env';

/** What a caller may learn about a secret: never the value, at most its last 4 characters. */
export interface SecretStatus {
  configured: boolean;
  /** Last 4 characters, so a user can tell which key is set; omitted for values too short to show any of. */
  last4?: string;
  /** Where the active value comes from; when none is set, where a saved one would go. */
  store: SecretBackendName;
  /** Something the user should know or do (locked keychain, widened file permissions, env override). */
  warning?: string;
}

/** The Claude API key's name in every backend. */
export const CLAUDE_KEY = 'claude-key';

/** Each cloud provider's key name in every backend (the Claude key keeps its name, so saved keys stay found). */
export const cloudKeyNames = {
  anthropic: CLAUDE_KEY,
  openai: 'openai-key',
  gemini: 'gemini-key',
  compat: 'cloud-compat-key',
} as const;

/** The environment variable each provider's key comes from (each SDK's own name). */
export const cloudKeyEnvNames: Record<string, string> = {
  [CLAUDE_KEY]: 'ANTHROPIC_API_KEY',
  'openai-key': 'OPENAI_API_KEY',
  'gemini-key': 'GEMINI_API_KEY',
  'cloud-compat-key': 'HYBRID_AI_CLOUD_COMPAT_KEY',
};

/** Service name under which keychain items are filed (shown in the OS keychain UI). */
export const KEYCHAIN_SERVICE = 'hybrid-ai';

/**
 * How long a keychain call may take. 60 s: on a desktop an unlock prompt may be on screen and the user needs time
 * to type a password; without a prompter the Secret Service answers within milliseconds.
 */
const KEYCHAIN_TIMEOUT_MS = 60_000;

/**
 * Values shorter than this show no last 4: 4 characters of a 12-character value give away a third of it.
 * Real Claude keys are about 108 characters.
 */
const MIN_LENGTH_FOR_LAST4 = 12;

/** Why the keychain failed: unreachable (no D-Bus, no Secret Service, no module), locked, no keyring, or other. */
export type KeychainProblem = 'unreachable' | 'locked' | 'no-keyring' | 'failed';

/** A keychain failure, with a message naming the problem in words a user can act on (never the secret). */
export class KeychainError extends Error {
  readonly problem: KeychainProblem;
  constructor(message: string, problem: KeychainProblem = 'failed') {
    super(message);
    this.name = 'KeychainError';
    this.problem = problem;
  }
}

/** The OS keychain as the store uses it; every method throws KeychainError on failure. */
export interface KeychainBackend {
  get(account: string): Promise<string | undefined>;
  set(account: string, value: string): Promise<void>;
  /** True when an item was deleted, false when there was none. */
  delete(account: string): Promise<boolean>;
}

/** Turn a keyring error into a KeychainError whose message names the problem (D-Bus missing, no keyring, locked, other). */
export function toKeychainError(e: unknown): KeychainError {
  if (e instanceof KeychainError) return e;
  const raw = e instanceof Error ? e.message : String(e);
  const first = raw.split('\n')[0]!.slice(0, 200);
  if (/DBUS_SESSION_BUS_ADDRESS|autolaunch|dbus.*(connect|socket|No such file)|Failed to connect to socket/i.test(raw))
    return new KeychainError(
      'no D-Bus session bus, so the Secret Service cannot be reached (a desktop login provides one; headless, run under dbus-run-session with gnome-keyring-daemon)',
      'unreachable',
    );
  if (/prompt was dismissed|locked/i.test(raw))
    return new KeychainError('the keychain is locked and was not unlocked (a key saved there cannot be read until it is)', 'locked');
  if (/ServiceUnknown|not provided by any \.service/i.test(raw))
    return new KeychainError(
      'no Secret Service is running on the session bus (install and start gnome-keyring or KeePassXC)',
      'unreachable',
    );
  if (/no result found|no such object|Object does not exist|collection/i.test(raw))
    return new KeychainError(
      'the Secret Service has no default keyring to store into (unlock or create the login keyring, e.g. gnome-keyring-daemon --unlock)',
      'no-keyring',
    );
  return new KeychainError(`the OS keychain failed (${first})`);
}

function withTimeout<T>(p: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const ac = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      ac.abort();
      reject(new KeychainError(`the OS keychain did not answer within ${KEYCHAIN_TIMEOUT_MS / 1000} s`));
    }, KEYCHAIN_TIMEOUT_MS);
    timer.unref();
  });
  return Promise.race([p(ac.signal), timeout]).finally(() => clearTimeout(timer));
}

/** The real OS keychain through @napi-rs/keyring (loaded lazily, so a platform without the binary just lacks it). */
export function createNapiKeychain(service: string = KEYCHAIN_SERVICE): KeychainBackend {
  let ctor: Promise<typeof AsyncEntry> | undefined;
  const entry = async (account: string) => {
    ctor ??= import('@napi-rs/keyring').then(
      (m) => m.AsyncEntry,
      (e: unknown) => {
        ctor = undefined;
        throw new KeychainError(
          `the native keychain module could not load (${e instanceof Error ? e.message.split('\n')[0] : String(e)})`,
          'unreachable',
        );
      },
    );
    const Entry = await ctor;
    try {
      // Pinned on Linux: never the kernel keyring (see the header comment). Other platforms ignore the option.
      return new Entry(service, account, { linux: { store: 'secret-service' } });
    } catch (e) {
      throw toKeychainError(e);
    }
  };
  const call = async <T>(account: string, op: (e: Awaited<ReturnType<typeof entry>>, signal: AbortSignal) => Promise<T>): Promise<T> => {
    const e = await entry(account);
    try {
      return await withTimeout((signal) => op(e, signal));
    } catch (err) {
      throw toKeychainError(err);
    }
  };
  return {
    get: (account) => call(account, async (e, signal) => (await e.getPassword(signal)) ?? undefined),
    set: (account, value) => call(account, (e, signal) => e.setPassword(value, signal)),
    delete: (account) => call(account, (e, signal) => e.deleteCredential(signal)),
  };
}

/** Options of {@link createSecretStore}. */
export interface SecretStoreOptions {
  /** The data dir; the file backend writes `<dataDir>/<name>.secret` with mode 0600. */
  dataDir: string;
  /** Read-only values from the environment, by secret name (e.g. `{ 'claude-key': process.env.ANTHROPIC_API_KEY }`). */
  env?: Partial<Record<string, string | undefined>>;
  /** Environment variable that `env[name]` came from, for messages; default ANTHROPIC_API_KEY for the Claude key. */
  envNames?: Partial<Record<string, string>>;
  /** 'auto' (default): the OS keychain; 'off': never touch it (HYBRID_AI_KEYCHAIN=off); or a backend (tests). */
  keychain?: 'auto' | 'off' | KeychainBackend;
  /** Told about problems worth a log line (a key file that was readable by others and has been fixed). */
  onWarning?: (message: string) => void;
}

/** Save target chosen by the caller; default is the keychain (or the file when the keychain is turned off). */
export interface SetOptions {
  store?: 'keychain' | 'file';
}

/** Secrets by name, looked up env → keychain → file. Values are returned only to the core, never over HTTP. */
export interface SecretStore {
  /** Look the secret up now (env → keychain → file) and remember it for {@link SecretStore.peek}. */
  get(name: string): Promise<string | undefined>;
  /** The last value seen, without I/O: the engine's key getter. Env and file are known from creation on. */
  peek(name: string): string | undefined;
  /** Save a value (keychain by default); throws CoreError naming the problem and the file fallback. */
  set(name: string, value: string, opts?: SetOptions): Promise<SecretStatus>;
  /** Remove the saved value from the keychain and the file (the env cannot be changed from here). */
  delete(name: string): Promise<SecretStatus>;
  /** The environment variable the secret's value comes from, when it is set there (it wins over any saved value). */
  envVariable(name: string): string | undefined;
  /** What a user may know about the secret (re-reads the backends). Default name: the Claude key. */
  status(name?: string): Promise<SecretStatus>;
  /** Called after the value of a secret changed (saved, deleted, or found when the keychain became readable). */
  onChange(listener: (name: string) => void | Promise<void>): void;
  /** The file a secret is kept in by the file backend. */
  filePath(name: string): string;
}

const NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;

function checkName(name: string): void {
  if (!NAME.test(name)) throw new CoreError('invalid_request', `Invalid secret name "${name}": use lower-case letters, digits and "-".`);
}

/** One lookup's findings; messages only, no value but the winning one. */
interface Lookup {
  value?: string;
  source?: SecretBackendName;
  inKeychain: boolean;
  inFile: boolean;
  keychainProblem?: string;
  fileWarning?: string;
}

/** Build the store. Reads env and the file synchronously so {@link SecretStore.peek} works from the first request. */
export function createSecretStore(opts: SecretStoreOptions): SecretStore {
  const keychain: KeychainBackend | undefined =
    opts.keychain === 'off' ? undefined : opts.keychain === undefined || opts.keychain === 'auto' ? createNapiKeychain() : opts.keychain;
  const envName = (name: string) =>
    opts.envNames?.[name] ?? (name === CLAUDE_KEY ? 'ANTHROPIC_API_KEY' : name.toUpperCase().replace(/-/g, '_'));
  const envValue = (name: string) => opts.env?.[name]?.trim() || undefined;
  const filePath = (name: string) => path.join(opts.dataDir, `${name}.secret`);
  const cache = new Map<string, string | undefined>();
  const listeners: Array<(name: string) => void | Promise<void>> = [];
  /** Problem seen on the last keychain call, per name; cleared by a successful call. */
  const keychainProblems = new Map<string, string>();
  /** Serialises set/delete so two saves never interleave their file and keychain writes. */
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = queue.then(fn, fn);
    queue = run.catch(() => undefined);
    return run;
  };

  /** Read the file copy; fixes permissions wider than 0600 and says so. */
  const readFile = (name: string): { value?: string; warning?: string } => {
    const file = filePath(name);
    if (!existsSync(file)) return {};
    let warning: string | undefined;
    if (process.platform !== 'win32') {
      const mode = statSync(file).mode & 0o777;
      if ((mode & 0o077) !== 0) {
        chmodSync(file, 0o600);
        warning = `The key file ${file} was readable by other users (mode ${mode.toString(8)}); it is now 600. If anyone else uses this machine, consider replacing the key.`;
        opts.onWarning?.(warning);
      }
    }
    try {
      const value = readFileSync(file, 'utf8').trim() || undefined;
      return { value, warning };
    } catch (e) {
      return { warning: `The key file ${file} cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'}); it is ignored.` };
    }
  };

  /** Write the file copy atomically with mode 0600 (never a half-written key: temp file, then rename). */
  const writeFile = (name: string, value: string): void => {
    const file = filePath(name);
    const tmp = `${file}.${process.pid}.tmp`;
    try {
      writeFileSync(tmp, `${value}\n`, { mode: 0o600 });
      if (process.platform !== 'win32') chmodSync(tmp, 0o600); // the umask cannot widen it, but an existing tmp could
      renameSync(tmp, file);
    } catch (e) {
      rmSync(tmp, { force: true });
      throw new CoreError('internal', `Could not write the key file ${file} (${(e as NodeJS.ErrnoException).code ?? 'error'}).`);
    }
  };

  const notify = async (name: string, before: string | undefined): Promise<void> => {
    if (cache.get(name) === before) return;
    for (const l of listeners) await l(name);
  };

  const lookup = async (name: string): Promise<Lookup> => {
    const r: Lookup = { inKeychain: false, inFile: false };
    const env = envValue(name);
    if (env) {
      r.value = env;
      r.source = 'env';
    }
    if (keychain) {
      try {
        const v = (await keychain.get(name))?.trim() || undefined;
        keychainProblems.delete(name);
        if (v) {
          r.inKeychain = true;
          if (!r.value) {
            r.value = v;
            r.source = 'keychain';
          }
        }
      } catch (e) {
        r.keychainProblem = toKeychainError(e).message;
        keychainProblems.set(name, r.keychainProblem);
      }
    }
    const f = readFile(name);
    r.fileWarning = f.warning;
    if (f.value) {
      r.inFile = true;
      if (!r.value) {
        r.value = f.value;
        r.source = 'file';
      }
    }
    return r;
  };

  const refresh = async (name: string): Promise<Lookup> => {
    const before = cache.get(name);
    const r = await lookup(name);
    cache.set(name, r.value);
    await notify(name, before);
    return r;
  };

  const statusOf = (name: string, r: Lookup, extra: string[] = []): SecretStatus => {
    const problem = r.keychainProblem ?? keychainProblems.get(name);
    const warnings: string[] = [];
    if (r.fileWarning) warnings.push(r.fileWarning);
    if (problem) {
      warnings.push(
        r.source === 'file'
          ? `The OS keychain is unavailable: ${problem}. The key is read from ${filePath(name)} (mode 0600) instead.`
          : `The OS keychain is unavailable: ${problem}. A key can be saved to ${filePath(name)} (readable only by you, mode 0600) instead: save it with ?store=file.`,
      );
    }
    if (r.source === 'env' && (r.inKeychain || r.inFile))
      warnings.push(
        `${envName(name)} is set in the core's environment and takes precedence over the saved key; unset it to use the saved one.`,
      );
    else if (r.source === 'env')
      warnings.push(`The key comes from ${envName(name)} in the core's environment; it cannot be changed or removed from here.`);
    if (r.source === 'keychain' && r.inFile)
      warnings.push(`A key is also saved in ${filePath(name)}; the keychain's key is used. Delete and save again to keep only one.`);
    warnings.push(...extra);
    const value = r.value;
    return {
      configured: value !== undefined,
      ...(value !== undefined && value.length >= MIN_LENGTH_FOR_LAST4 ? { last4: value.slice(-4) } : {}),
      store: r.source ?? (keychain && !problem ? 'keychain' : 'file'),
      ...(warnings.length ? { warning: warnings.join(' ') } : {}),
    };
  };

  // Env and file are known synchronously; the keychain answers after a D-Bus round trip (see get()).
  for (const [name] of Object.entries(opts.env ?? {})) {
    if (NAME.test(name)) cache.set(name, envValue(name) ?? readFile(name).value);
  }

  return {
    filePath,
    envVariable: (name) => (envValue(name) ? envName(name) : undefined),
    onChange(listener) {
      listeners.push(listener);
    },
    peek(name) {
      if (!cache.has(name) && NAME.test(name)) cache.set(name, envValue(name) ?? readFile(name).value);
      return cache.get(name);
    },
    async get(name) {
      checkName(name);
      return (await refresh(name)).value;
    },
    async status(name = CLAUDE_KEY) {
      checkName(name);
      return statusOf(name, await refresh(name));
    },
    set(name, value, setOpts = {}) {
      checkName(name);
      return serial(async () => {
        const v = value.trim();
        if (!v) throw new CoreError('invalid_request', 'The secret is empty.');
        const target = setOpts.store ?? (keychain ? 'keychain' : 'file');
        const extra: string[] = [];
        const before = cache.get(name);
        if (target === 'keychain') {
          if (!keychain)
            throw new CoreError(
              'invalid_request',
              `The OS keychain is turned off (HYBRID_AI_KEYCHAIN=off). Save with ?store=file to keep the key in ${filePath(name)} (mode 0600).`,
              { details: { kind: 'keychain-unavailable' } },
            );
          try {
            await keychain.set(name, v);
            keychainProblems.delete(name);
          } catch (e) {
            const problem = toKeychainError(e).message;
            keychainProblems.set(name, problem);
            throw new CoreError(
              'upstream_unavailable',
              `Could not save the key in the OS keychain: ${problem}. Nothing was changed (a previously saved key is kept). ` +
                `To save it in ${filePath(name)} instead (readable only by you, mode 0600), send the same request with ?store=file.`,
              { details: { kind: 'keychain-unavailable' } },
            );
          }
          // One copy only: the file would otherwise hold a stale key.
          rmSync(filePath(name), { force: true });
        } else {
          writeFile(name, v);
          if (keychain) {
            // Lookup order is keychain before file: an older keychain copy would shadow the new key.
            try {
              await keychain.delete(name);
            } catch (e) {
              // The lookup below reports the problem itself; a locked keychain may still hold an older key.
              if (toKeychainError(e).problem === 'locked')
                extra.push(
                  'An older key may remain in the locked keychain; once it is unlocked that key takes precedence, so delete the key again then.',
                );
            }
          }
        }
        const r = await lookup(name);
        cache.set(name, r.value);
        await notify(name, before);
        return statusOf(name, r, extra);
      });
    },
    delete(name) {
      checkName(name);
      return serial(async () => {
        const before = cache.get(name);
        const extra: string[] = [];
        rmSync(filePath(name), { force: true });
        if (keychain) {
          try {
            await keychain.delete(name);
            keychainProblems.delete(name);
          } catch (e) {
            // The lookup below reports the problem itself; a locked keychain may still hold a key.
            if (toKeychainError(e).problem === 'locked')
              extra.push('A key saved in the locked keychain, if any, stays there until it is unlocked and the key is deleted again.');
          }
        }
        const r = await lookup(name);
        cache.set(name, r.value);
        await notify(name, before);
        return statusOf(name, r, extra);
      });
    },
  };
}
