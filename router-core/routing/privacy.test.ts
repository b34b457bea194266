// Privacy guard: secrets and personal data are found (and never echoed); look-alikes (UUIDs, SHAs, test cards, order numbers) are not.
import { describe, expect, it } from 'vitest';
import { decideRoute } from './policy.js';
import {
  createPrivacyContext,
  defaultPrivacyRules,
  historyCacheSize,
  luhnValid,
  privacyGuard,
  scanText,
  type PrivacyKind,
} from './privacy.js';

const kinds = (text: string, words: string[] = []): PrivacyKind[] => scanText(text, { ...defaultPrivacyRules, words }).map((f) => f.kind);

// Secrets assembled at run time so this file itself does not look like it leaks keys to a scanner.
const awsKey = ['AKIA', 'IOSFODNN7', 'EXAMPLQ'].join('');
const ghToken = `ghp_${'a1B2c3D4e5F6g7H8i9J0'.repeat(2)}`;
const anthropicKey = `sk-ant-api03-${'Zx9Qw8Er7Ty6Ui5Op4'.repeat(2)}`;
const jwt = `eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.${'dBjftJeZ4CVPmB92K27uhbUJU1p1r_wW1gFWFOEjXk'}`;

describe('privacy guard: positives', () => {
  const positives: Array<[string, string, PrivacyKind]> = [
    ['AWS access key id', `my key is ${awsKey}, why does boto fail?`, 'api-key'],
    ['GitHub token', `git clone https://${ghToken}@github.com/org/repo.git`, 'api-key'],
    ['Anthropic key', `ANTHROPIC_API_KEY=${anthropicKey}`, 'api-key'],
    ['JWT', `Decode this token: ${jwt}`, 'api-key'],
    ['bearer header', 'curl -H "Authorization: Bearer 9f8e7d6c5b4a39281706f5e4d3c2b1a0ZZyyXX" https://api.internal', 'api-key'],
    ['high-entropy token after "token"', 'the webhook token: q8ZrT2vLm9XwP4sN7bYc1KdH', 'api-key'],
    ['bare random 40-char token', 'use Zq3xR8vT1mW6pL9sK2bN5cY7hJ4dF0gA8eU3iO1t as the value', 'api-key'],
    ['private key', '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----', 'private-key'],
    ['password in YAML', 'database:\n  host: db.internal\n  password: s3cr3t-Pa55', 'password'],
    ['password in .env', 'DB_PASSWORD=hunter2hunter2', 'password'],
    ['password in JSON', '{"username": "admin", "password": "correct horse"}', 'password'],
    ['password in a connection string', 'postgres://app:Tr0ub4dor@db.example.net:5432/prod', 'password'],
    ['password in prose', 'my password is sunshine, can you make it stronger?', 'password'],
    ['Visa number with spaces', 'Charge card 4539 1488 0343 6467 for the order', 'card-number'],
    ['Mastercard without spaces', 'card: 5425233430109903 exp 04/28', 'card-number'],
    ['US SSN', 'My SSN is 123-45-6789, fill in the form', 'national-id'],
    ['SSN undashed with its name', 'social security number 123456789', 'national-id'],
    ['UK NI number', 'NI number: AB 12 34 56 C', 'national-id'],
    ['IBAN', 'Wire it to GB82 WEST 1234 5698 7654 32 please', 'national-id'],
    ['passport number', 'passport number: X12345678', 'national-id'],
    ['US phone', 'Call me at (415) 867-5309 tomorrow', 'phone'],
    ['international phone', 'WhatsApp +44 20 7946 0958', 'phone'],
    ['email address', 'Reply to jane.doe@gmail.com with the invoice', 'email'],
    [
      'SendGrid key (its prefix ends at a dot)',
      `SENDGRID=${['SG', 'aB3dE5fG7hJ9kL1mN3pQ5r', 'sT7uV9wX1yZ3aB5cD7eF9gH1jK3lM5nP7qR9sT1uV3'].join('.')}`,
      'api-key',
    ],
    ['Slack bot token', `slack: ${['xoxb', '2947116412', 'aBcDeFgHiJkLmNoP'].join('-')}`, 'api-key'],
    ['Stripe live key', `stripe.api_key = ${['sk', 'live', '4eC39HqLyjWDarjtT1zdp7dc'].join('_')}`, 'api-key'],
    [
      'a key deep inside a long prompt',
      `${'Our billing job times out after the provider changed pagination. '.repeat(60)}\nconfig: ${awsKey}\n${'More notes. '.repeat(40)}`,
      'api-key',
    ],
    [
      'a phone number after long prose',
      `${'Notes from the call, nothing sensitive here. '.repeat(80)}Reach her on +49 30 901820 tomorrow.`,
      'phone',
    ],
  ];
  for (const [name, text, kind] of positives) {
    it(`finds ${name}`, () => {
      expect(kinds(text)).toContain(kind);
    });
  }

  it('finds words from the user list, case-insensitively, as whole words', () => {
    expect(kinds('Summarise the Project Nightjar roadmap', ['project nightjar'])).toEqual(['custom-word']);
    expect(kinds('summarise the nightjars of Europe', ['nightjar'])).toEqual([]);
    expect(kinds('ACME merger memo', ['acme'])).toEqual(['custom-word']);
  });
});

describe('privacy guard: tricky negatives', () => {
  const negatives: Array<[string, string]> = [
    ['a UUID', 'request id 3f2b8c1e-9a4d-4e7b-8c2f-1a2b3c4d5e6f failed'],
    ['a git SHA', 'git revert 9fceb02d0ae598e95dc970b74767f19372d61af8'],
    ['a sha256 digest', 'sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
    ['a documented test card', 'In Stripe test mode use 4242 4242 4242 4242 with any future date.'],
    ['another test card', 'Braintree sandbox: 4111111111111111'],
    ['a 16-digit order number failing Luhn', 'Where is my order 4532015112830367?'],
    ['a 16-digit number with no card issuer', 'tracking 1234567890123456 is stuck'],
    ['a timestamp in ms', 'created_at: 1700000000000'],
    ['a placeholder password', 'password: <your-password>'],
    ['a password from the environment', 'password = os.environ["DB_PASSWORD"]'],
    ['a password variable in code', 'conn = connect(user=user, password=user_password)'],
    ['a password from a call', 'password = getpass.getpass()'],
    ['password talk without a value', 'My password is incorrect and the reset link expired'],
    ['a Python type hint', 'def login(username: str, password: str) -> bool:'],
    ['an example email', 'Send it to someone@example.com'],
    ['a date', 'The deadline is 2024-03-15.'],
    ['a version and an IP', 'Upgrade to 10.2.14 on 192.168.1.100'],
    ['a fictional phone', 'Call 555-0123 or (555) 555-0199'],
    ['a camelCase identifier', 'rename getUserAccountSettingsForCurrentTenant to something shorter'],
    [
      'a public certificate',
      '-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUFADBaMQswCQYDVQQGEwJJRTES\n-----END CERTIFICATE-----',
    ],
    ['an ssh public key', 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl me@laptop'],
    [
      'a data URI',
      'img src="data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="',
    ],
    ['an ordinary question', 'What is the capital of France?'],
  ];
  for (const [name, text] of negatives) {
    it(`ignores ${name}`, () => {
      expect(kinds(text)).toEqual([]);
    });
  }
});

describe('privacy guard: every key word of the ID, SSN and password detectors', () => {
  // One pass finds the key words that gate these detectors; each word must still open its detector, in any case, and a
  // word the detector reads only at a word start must not open it from inside another word.
  const found: Array<[string, PrivacyKind]> = [
    ['Aadhaar 1234 5678 9012', 'national-id'],
    ['DNI 12345678Z', 'national-id'],
    ['NIF: X1234567L', 'national-id'],
    ['Personalausweis L01X00T47', 'national-id'],
    ['Steuer-ID 12345678901', 'national-id'],
    ['tax id: 12-3456789', 'national-id'],
    ["driver's license D1234567", 'national-id'],
    ['ID card 12345678', 'national-id'],
    ['identity card number 987654321', 'national-id'],
    ['national ID 1234567890', 'national-id'],
    ['PASSPORT number: X12345678', 'national-id'],
    ['SSN 123 45 6789', 'national-id'],
    ['Social Security No. 123456789', 'national-id'],
    ['The PIN is 4821', 'password'],
    ['Passphrase: correct-horse-battery', 'password'],
    ['my passcode is 77aa88bb', 'password'],
    ['DB_PASSWORD=hunter2hunter2', 'password'],
    ['export GITLAB_ACCESS-TOKEN=q8ZrT2vLm9', 'password'],
  ];
  for (const [text, kind] of found) {
    it(`finds ${kind} in ${JSON.stringify(text)}`, () => {
      expect(scanText(text).map((f) => f.kind)).toContain(kind);
    });
  }
  const clean = ['significant 12345678 results', 'xpassport 12345678', 'spin is 4821 rpm', 'the unpinned 12345678 build'];
  for (const text of clean) {
    it(`finds nothing in ${JSON.stringify(text)}`, () => {
      expect(scanText(text)).toEqual([]);
    });
  }
});

describe('privacyGuard verdict', () => {
  it('lets ordinary conversations leave', () => {
    expect(privacyGuard([{ content: 'Explain TCP slow start' }])).toEqual({ mayLeave: true });
  });

  it('keeps a conversation local when ANY message carries a secret, and never echoes it', () => {
    const v = privacyGuard([{ content: `earlier: my key is ${awsKey}` }, { content: 'now, write a haiku' }]);
    expect(v.mayLeave).toBe(false);
    if (v.mayLeave) return;
    expect(v.reason).toMatch(/API key/);
    expect(v.reason).toMatch(/kept on this machine/);
    expect(v.reason).not.toContain(awsKey);
    expect(v.reason).not.toContain('AKIA');
  });

  it('names several kinds together, without the values', () => {
    const v = privacyGuard([{ content: 'SSN 123-45-6789, card 4539 1488 0343 6467, jane.doe@gmail.com' }]);
    expect(v.mayLeave).toBe(false);
    if (v.mayLeave) return;
    expect(v.findings.map((f) => f.kind).sort()).toEqual(['card-number', 'email', 'national-id']);
    expect(v.reason).not.toMatch(/\d{3}-\d{2}|4539|jane/);
  });

  it('is off when disabled, and honours switched-off kinds', () => {
    const text = [{ content: 'Reply to jane.doe@gmail.com' }];
    expect(privacyGuard(text, { enabled: false, words: [] }).mayLeave).toBe(true);
    expect(privacyGuard(text, { enabled: true, words: [], disabledKinds: ['email'] }).mayLeave).toBe(true);
  });
  describe('a conversation sent again with every turn', () => {
    // One context for the block, as the server keeps one: later turns are answered from its history.
    const ctx = createPrivacyContext();
    // Long texts (history is remembered from 512 characters on), each new per test so no other test warms them.
    const filler = (tag: string): string =>
      `${tag}: ${'The quarterly report covers revenue, churn and hiring plans in some detail. '.repeat(12)}`;
    const turns = (history: string[], newest: string): Array<{ content: string }> => [...history, newest].map((content) => ({ content }));

    it('gives the verdict of a fresh read on every turn, the secret in the history or in the newest message', () => {
      const secret = `${filler('t1')} Connect with ${awsKey} please.`;
      const clean = [filler('t2'), filler('t3'), filler('t4')];
      for (let turn = 0; turn < 3; turn++) {
        // A copy of each text (as a parsed request body gives): the history is matched by its characters, not its identity.
        const copies = [secret, ...clean].map((t) => JSON.parse(JSON.stringify(t)) as string);
        const v = privacyGuard(turns(copies, 'and now a haiku please'), undefined, ctx);
        expect(v.mayLeave, `turn ${turn}`).toBe(false);
        expect(!v.mayLeave && v.findings).toEqual([{ kind: 'api-key', count: 1 }]);
        // The same history without the secret leaves; a secret in the newest message is read at once.
        expect(privacyGuard(turns(clean, 'hello'), undefined, ctx).mayLeave).toBe(true);
        expect(privacyGuard(turns(clean, `${filler('t5')} ${jwt}`), undefined, ctx).mayLeave).toBe(false);
      }
    });

    it('reads the history again when the rules change (a new private word, a kind switched off)', () => {
      const history = [`${filler('t6')} Project Bluebird ships in May. Mail jane.doe@gmail.com for details.`];
      const words = (w: string[], off: PrivacyKind[] = []) => ({ enabled: true, words: w, disabledKinds: off });
      expect(privacyGuard(turns(history, 'summarise'), words([], ['email']), ctx).mayLeave).toBe(true);
      expect(privacyGuard(turns(history, 'summarise'), words(['bluebird'], ['email']), ctx).mayLeave).toBe(false);
      expect(privacyGuard(turns(history, 'summarise'), words([], ['email']), ctx).mayLeave).toBe(true);
      expect(privacyGuard(turns(history, 'summarise'), words([]), ctx).mayLeave).toBe(false);
    });

    it('remembers at most 8,192 texts, by fingerprint: no conversation text is kept', () => {
      const text = (i: number): string => `${i} ${filler('t7')}`;
      for (let i = 0; i < 8300; i++) privacyGuard(turns([text(i)], 'next'), undefined, ctx);
      const size = historyCacheSize(ctx);
      expect(size.texts).toBe(8192);
      expect(size.holdsText).toBe(false);
      // A text that differs from a remembered one (a secret added) is read anew.
      expect(privacyGuard(turns([`${text(8299)} ${awsKey}`], 'next'), undefined, ctx).mayLeave).toBe(false);
      expect(privacyGuard(turns([text(8299)], 'next'), undefined, ctx).mayLeave).toBe(true);
    });
  });
});

describe('luhn', () => {
  it('accepts valid numbers and rejects altered ones', () => {
    expect(luhnValid('4539148803436467')).toBe(true);
    expect(luhnValid('4539148803436468')).toBe(false);
    expect(luhnValid('79927398713')).toBe(true);
  });
});

describe('privacy guard in the route policy', () => {
  const config = {
    thresholds: { medium: 0, cloud: 0 },
    localOnly: false,
    cloudModel: 'claude-sonnet',
    budget: {},
    localEnginePreference: ['llamacpp'] as const,
  };
  const availability = {
    engines: { llamacpp: { ok: true, models: ['tinyllama', 'phi2'] }, anthropic: { ok: true, models: ['claude-sonnet'] } },
  };
  const decide = (content: string, model = 'auto', privacy = defaultPrivacyRules) =>
    decideRoute({
      request: { model, messages: [{ role: 'user', content }], params: {} },
      config: { ...config, localEnginePreference: [...config.localEnginePreference], privacy },
      tier: 2,
      availability,
      spend: { todayMicros: 0, monthMicros: 0 },
    });

  it('routes a cloud-bound prompt with a secret to the best local model, with the reason and no cloud fallback', () => {
    const o = decide(`Why is my key ${awsKey} rejected?`);
    expect(o.ok && o.decision.engine).toBe('llamacpp');
    expect(o.ok && o.decision.fallbacks.some((f) => f.engine === 'anthropic')).toBe(false);
    expect(o.ok && o.decision.reasons.join(' ')).toMatch(/cloud disabled \(privacy guard: .*API key/);
  });

  it('refuses a named cloud model for such a prompt (403), and lets it through when the guard is off', () => {
    const o = decide(`key ${awsKey}`, 'claude-sonnet');
    expect(!o.ok && o.error.type).toBe('forbidden');
    expect(!o.ok && o.error.message).not.toContain(awsKey);
    expect(decide(`key ${awsKey}`, 'claude-sonnet', { enabled: false, words: [] }).ok).toBe(true);
  });
});
