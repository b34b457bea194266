// @vitest-environment jsdom
// Settings forms and the budget display: validation, what is sent to the core, and what is shown back.
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ClaudeKeyStatus, SettingsDto } from '../../api/types';
import { BudgetBar } from '../dashboard/DashboardView';
import { apiSnippets } from './ApiAccess';
import { BudgetFields } from './BudgetFields';
import { KeyField, plainKeyWarning } from './KeyField';
import { clampThresholds, ThresholdPreview } from './ThresholdPreview';

/** Requests the components made, answered by `respond` (stands in for the core's HTTP API in jsdom). */
let calls: Array<{ method: string; url: string; body: unknown }>;
let respond: (method: string, url: string, body: unknown) => { status: number; json: unknown };

beforeEach(() => {
  calls = [];
  respond = () => ({ status: 404, json: { error: { type: 'not_found', message: 'no' } } });
  vi.stubGlobal('fetch', async (url: string, init?: RequestInit) => {
    const body = init?.body ? JSON.parse(String(init.body)) : undefined;
    const method = init?.method ?? 'GET';
    calls.push({ method, url, body });
    const r = respond(method, url, body);
    return new Response(JSON.stringify(r.json), { status: r.status, headers: { 'content-type': 'application/json' } });
  });
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const settings = (over: Partial<SettingsDto> = {}): SettingsDto => ({
  thresholds: { medium: 0.3, cloud: 0.6 },
  default_thresholds: { medium: 0.3, cloud: 0.6 },
  local_only: false,
  daily_budget_micros: null,
  monthly_budget_micros: 20_000_000,
  history_enabled: true,
  budget_status: { spent_today_micros: 1_500_000, spent_month_micros: 4_000_000, cloud_blocked: null },
  api: {
    address: 'http://127.0.0.1:8787',
    token: 'hai_secret_token_value',
    token_source: 'data-dir',
    ollama_without_token: false,
    ollama_without_token_warning: null,
  },
  ...over,
});

describe('BudgetFields', () => {
  it('shows the caps in dollars and what is spent; saving sends micro-dollars (empty = no cap)', async () => {
    const onSave = vi.fn(async () => {});
    render(<BudgetFields settings={settings()} onSave={onSave} />);
    const daily = screen.getByLabelText('Daily cap') as HTMLInputElement;
    const monthly = screen.getByLabelText('Monthly cap') as HTMLInputElement;
    expect(daily.value).toBe('');
    expect(monthly.value).toBe('20');
    expect(screen.getByText('$1.50 spent so far')).toBeTruthy();
    const save = screen.getByRole('button', { name: 'Save caps' }) as HTMLButtonElement;
    expect(save.disabled).toBe(true);
    fireEvent.change(daily, { target: { value: '2.5' } });
    fireEvent.change(monthly, { target: { value: '' } });
    fireEvent.click(save);
    await waitFor(() => expect(onSave).toHaveBeenCalledWith({ daily_budget_micros: 2_500_000, monthly_budget_micros: null }));
  });

  it('refuses an amount that is not dollars and says what to type', () => {
    render(<BudgetFields settings={settings()} onSave={vi.fn()} />);
    fireEvent.change(screen.getByLabelText('Daily cap'), { target: { value: 'ten' } });
    expect(screen.getByText(/Enter an amount in dollars/)).toBeTruthy();
    expect(screen.getByLabelText('Daily cap').getAttribute('aria-invalid')).toBe('true');
    expect((screen.getByRole('button', { name: 'Save caps' }) as HTMLButtonElement).disabled).toBe(true);
  });

  it('says plainly when a cap is reached', () => {
    render(
      <BudgetFields
        settings={settings({
          budget_status: { spent_today_micros: 3, spent_month_micros: 3, cloud_blocked: 'daily cloud budget of $0.00 reached' },
        })}
        onSave={vi.fn()}
      />,
    );
    expect(screen.getByTestId('budget-blocked').textContent).toContain('Cloud budget reached: local only');
  });
});

describe('BudgetBar (dashboard)', () => {
  it('no cap: spend only, no bar', () => {
    render(<BudgetBar label="Today" spent={1_230_000} cap={null} resets="midnight" />);
    expect(screen.getByText('$1.23 spent · no cap')).toBeTruthy();
    expect(screen.queryByRole('progressbar')).toBeNull();
  });
  it('under the cap: a bar with the share used', () => {
    render(<BudgetBar label="Today" spent={850_000} cap={1_000_000} resets="midnight" />);
    const bar = screen.getByRole('progressbar', { name: 'Today used' });
    expect(bar.getAttribute('aria-valuenow')).toBe('85');
    expect(bar.className).toContain('progress-warn');
    expect(screen.queryByTestId('budget-reached')).toBeNull();
  });
  it('at the cap: full bar and "local models until midnight"', () => {
    render(<BudgetBar label="Today" spent={1_000_000} cap={1_000_000} resets="midnight" />);
    expect(screen.getByRole('progressbar').getAttribute('aria-valuenow')).toBe('100');
    expect(screen.getByTestId('budget-reached').textContent).toBe('Cap reached: everything stays on local models until midnight.');
  });
});

describe('ThresholdPreview', () => {
  it('keeps 0 ≤ medium ≤ cloud ≤ 1 by pushing the other slider', () => {
    expect(clampThresholds({ medium: 0.7, cloud: 0.6 }, 'medium')).toEqual({ medium: 0.7, cloud: 0.7 });
    expect(clampThresholds({ medium: 0.3, cloud: 0.2 }, 'cloud')).toEqual({ medium: 0.2, cloud: 0.2 });
    expect(clampThresholds({ medium: -1, cloud: 2 }, 'medium')).toEqual({ medium: 0, cloud: 1 });
  });

  it('previews the sample prompt with the unsaved thresholds; Save sends them', async () => {
    respond = (_m, url, body) =>
      url === '/api/v1/complexity'
        ? {
            status: 200,
            json: {
              complexity: 0.42,
              level: 'medium',
              available: true,
              route: (body as { thresholds: { cloud: number } }).thresholds.cloud <= 0.42 ? 'cloud' : 'medium',
              recommended_model: 'phi2',
              engine: 'llamacpp',
              backend: 'local',
              reasons: ['complexity 0.42 (medium band)'],
            },
          }
        : { status: 404, json: {} };
    const onSave = vi.fn(async () => {});
    render(<ThresholdPreview saved={{ medium: 0.3, cloud: 0.6 }} defaults={{ medium: 0.3, cloud: 0.6 }} onSave={onSave} />);
    await waitFor(() => expect(screen.getByTestId('threshold-preview').textContent).toContain('medium'));
    fireEvent.change(screen.getByLabelText('Cloud threshold'), { target: { value: '0.4' } });
    await waitFor(() => expect(screen.getByTestId('threshold-preview').querySelector('.route-pill')?.textContent).toBe('cloud'));
    const last = calls.filter((c) => c.url === '/api/v1/complexity').at(-1)!;
    expect(last.body).toMatchObject({ thresholds: { medium: 0.3, cloud: 0.4 } });
    fireEvent.click(screen.getByRole('button', { name: 'Save thresholds' }));
    expect(onSave).toHaveBeenCalledWith({ medium: 0.3, cloud: 0.4 });
  });

  it('Quality ↔ Cost: one slider over the calibrated stops moves the cloud threshold and says what to expect', async () => {
    respond = () => ({ status: 404, json: {} });
    const knob = {
      applies: true,
      current_p_cloud: 0.35,
      default_p_cloud: 0.35,
      stops: [
        { p_cloud: 0.2, cloud_threshold: 0.45, cloud_share: 0.41, under_routed: 0.05, over_routed: 0.3 },
        { p_cloud: 0.35, cloud_threshold: 0.6, cloud_share: 0.3, under_routed: 0.09, over_routed: 0.2 },
        { p_cloud: 0.5, cloud_threshold: 0.7, cloud_share: 0.2, under_routed: 0.14, over_routed: 0.15 },
      ],
    };
    const onSave = vi.fn(async () => {});
    render(<ThresholdPreview saved={{ medium: 0.5, cloud: 0.6 }} defaults={{ medium: 0.3, cloud: 0.6 }} knob={knob} onSave={onSave} />);
    expect(screen.getByTestId('quality-cost-value').textContent).toBe('~30% of prompts to Claude (default)');
    expect(screen.getByTestId('quality-cost-help').textContent).toContain('9% to a model too weak for them');
    // Toward quality: the cloud threshold drops to that stop's, and the medium threshold follows it down.
    fireEvent.change(screen.getByLabelText('Quality ↔ Cost'), { target: { value: '0' } });
    expect(screen.getByTestId('quality-cost-value').textContent).toBe('~41% of prompts to Claude');
    expect(screen.getByTestId('th-cloud-value').textContent).toBe('0.45');
    fireEvent.click(screen.getByRole('button', { name: 'Save thresholds' }));
    expect(onSave).toHaveBeenCalledWith({ medium: 0.45, cloud: 0.45 });
  });

  it('no knob for the rules estimator: only the two thresholds', () => {
    respond = () => ({ status: 404, json: {} });
    const knob = { applies: false, current_p_cloud: null, default_p_cloud: 0.35, stops: [] };
    render(<ThresholdPreview saved={{ medium: 0.3, cloud: 0.6 }} defaults={{ medium: 0.3, cloud: 0.6 }} knob={knob} onSave={vi.fn()} />);
    expect(screen.queryByLabelText('Quality ↔ Cost')).toBeNull();
    expect(screen.getByLabelText('Cloud threshold')).toBeTruthy();
  });

  it('with no model installed yet, still shows the score, its band and why nothing can answer', async () => {
    respond = (_m, url) =>
      url === '/api/v1/complexity'
        ? {
            status: 200,
            json: {
              complexity: 0.71,
              level: 'cloud',
              available: false,
              route: null,
              recommended_model: null,
              engine: null,
              backend: null,
              reasons: ['complexity 0.71 (cloud band)', 'No model can answer: no local model is installed or running'],
            },
          }
        : { status: 404, json: {} };
    render(<ThresholdPreview saved={{ medium: 0.3, cloud: 0.6 }} defaults={{ medium: 0.3, cloud: 0.6 }} onSave={vi.fn()} />);
    const preview = screen.getByTestId('threshold-preview');
    await waitFor(() => expect(preview.querySelector('.route-pill')?.textContent).toBe('no model'));
    expect(preview.textContent).toContain('cloud band · complexity 0.71');
    expect(preview.textContent).toContain('No model can answer');
    expect(preview.textContent).not.toContain('null');
  });
});

describe('KeyField', () => {
  it('a key Claude refused on a later request is red with a fix-it hint; without last_error it is not', () => {
    const at = Date.now() - 5 * 60_000;
    const { rerender } = render(
      <KeyField
        status={{
          configured: true,
          last4: '9999',
          store: 'file',
          last_error: { error_type: 'upstream_auth', message: 'Claude rejected the API key.', at },
        }}
        onChange={vi.fn()}
      />,
    );
    expect(document.querySelector('.key-dot')!.className).toContain('key-dot-bad');
    const hint = screen.getByTestId('key-last-error').textContent!;
    expect(hint).toContain('Claude refused this key');
    expect(hint).toContain('5 minutes ago');
    expect(hint).toMatch(/console\.anthropic\.com → API keys and use Replace/);
    rerender(<KeyField status={{ configured: true, last4: '9999', store: 'file' }} onChange={vi.fn()} />);
    expect(screen.queryByTestId('key-last-error')).toBeNull();
    expect(document.querySelector('.key-dot')!.className).not.toContain('key-dot-bad');
  });

  it('no key yet: a password field; saving sends the key once and then shows only the mask', async () => {
    let status: ClaudeKeyStatus = { configured: false, store: 'keychain' };
    respond = (method, url, body) => {
      if (url === '/api/v1/settings/claude-key' && method === 'PUT') {
        status = { configured: true, last4: (body as { key: string }).key.slice(-4), store: 'keychain' };
        return { status: 200, json: status };
      }
      return { status: 404, json: {} };
    };
    const onChange = vi.fn((s: ClaudeKeyStatus) => {
      status = s;
    });
    const { rerender } = render(<KeyField status={status} onChange={onChange} />);
    const input = screen.getByLabelText('Claude API key') as HTMLInputElement;
    expect(input.type).toBe('password');
    fireEvent.change(input, { target: { value: 'sk-ant-api03-abcdefghijklmnop-WXYZ' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save key' }));
    await waitFor(() => expect(onChange).toHaveBeenCalled());
    expect(calls.find((c) => c.method === 'PUT')?.body).toEqual({ key: 'sk-ant-api03-abcdefghijklmnop-WXYZ' });
    rerender(<KeyField status={status} onChange={onChange} />);
    expect(screen.getByTestId('key-mask').textContent).toBe('••••WXYZ');
    expect(screen.queryByLabelText('Claude API key')).toBeNull();
    expect(document.body.textContent).not.toContain('abcdefghijklmnop');
    expect(screen.getByText(/stored in the system keychain/)).toBeTruthy();
  });

  it('a key Claude refuses is not saved: the core’s reason is shown and the field stays; one that could not be tried is saved with a notice', async () => {
    respond = (method, url, body) => {
      if (url !== '/api/v1/settings/claude-key' || method !== 'PUT') return { status: 404, json: {} };
      if ((body as { key: string }).key.endsWith('BAD1'))
        return {
          status: 400,
          json: {
            error: {
              type: 'invalid_request',
              message: 'Invalid "key": Claude rejected it as unauthorized (Claude rejected the API key). It was not saved.',
            },
          },
        };
      return {
        status: 200,
        json: {
          configured: true,
          last4: 'OK22',
          store: 'keychain',
          test: { ok: false, error_type: 'upstream_unavailable', message: 'Claude could not be reached.' },
          warning:
            'The key was saved but could not be checked: Claude could not be reached (upstream_unavailable). The next cloud request will tell whether Claude accepts it.',
        },
      };
    };
    const onChange = vi.fn();
    const { rerender } = render(<KeyField status={{ configured: false, store: 'keychain' }} onChange={onChange} />);
    fireEvent.change(screen.getByLabelText('Claude API key'), { target: { value: 'sk-ant-api03-abcdefghijklmnop-BAD1' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save key' }));
    await screen.findByText(/Claude rejected it as unauthorized.*It was not saved/);
    expect(onChange).not.toHaveBeenCalled();
    expect(screen.getByLabelText('Claude API key')).toBeTruthy();

    fireEvent.change(screen.getByLabelText('Claude API key'), { target: { value: 'sk-ant-api03-abcdefghijklmnop-OK22' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save key' }));
    await waitFor(() => expect(onChange).toHaveBeenCalled());
    rerender(<KeyField status={onChange.mock.calls[0]![0] as ClaudeKeyStatus} onChange={onChange} />);
    expect(screen.getByTestId('key-test').textContent).toMatch(/^Saved, but not checked.*Claude could not be reached\./);
    expect(document.querySelector('.key-dot')!.className).not.toContain('key-dot-bad');
    // Said once, in the notice, not again as the key's warning.
    expect(screen.queryByTestId('key-warning')).toBeNull();
  });

  it('a key from the environment cannot be replaced or removed here; the core’s warning is shown', () => {
    render(
      <KeyField
        status={{ configured: true, last4: '1234', store: 'env', warning: 'The key comes from ANTHROPIC_API_KEY.' }}
        onChange={vi.fn()}
      />,
    );
    expect(screen.getByTestId('key-mask').textContent).toBe('••••1234');
    expect(screen.queryByRole('button', { name: 'Replace' })).toBeNull();
    expect(screen.getByText('The key comes from ANTHROPIC_API_KEY.')).toBeTruthy();
  });

  it('no keychain: said in plain words (the D-Bus details folded away), and the private file is offered before any save fails', () => {
    const core =
      'The OS keychain is unavailable: no D-Bus session bus, so the Secret Service cannot be reached (a desktop login provides one; ' +
      'headless, run under dbus-run-session with gnome-keyring-daemon). A key can be saved to /d/claude-key.secret (readable only ' +
      'by you, mode 0600) instead: save it with ?store=file.';
    render(<KeyField status={{ configured: false, store: 'file', warning: core }} onChange={vi.fn()} />);
    expect(screen.getByTestId('key-warning').textContent).toMatch(
      /^.*This computer’s password keychain cannot be used \(it is not running, is locked or is missing\)\. The key can be kept in a private file only your user account can read instead\./,
    );
    expect(screen.getByText('Technical details')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Save in a private file instead' })).toBeTruthy();
    expect(plainKeyWarning({ configured: false, store: 'file', warning: core })).not.toMatch(/D-Bus|store=file/);
  });

  it('a key from the environment: no keychain notice at all, only where the key comes from', () => {
    const warning =
      'The OS keychain is unavailable: no D-Bus session bus, so the Secret Service cannot be reached. A key can be saved to ' +
      '/d/claude-key.secret (readable only by you, mode 0600) instead: save it with ?store=file. The key comes from ' +
      "ANTHROPIC_API_KEY in the core's environment; it cannot be changed or removed from here.";
    expect(plainKeyWarning({ configured: true, last4: '1234', store: 'env', warning })).toBe(
      "The key comes from ANTHROPIC_API_KEY in the core's environment; it cannot be changed or removed from here.",
    );
    render(<KeyField status={{ configured: true, last4: '1234', store: 'env', warning }} onChange={vi.fn()} />);
    expect(screen.queryByRole('button', { name: 'Save in a private file instead' })).toBeNull();
  });

  it('shows the core’s refusal of a bad key', async () => {
    respond = () => ({
      status: 400,
      json: { error: { type: 'invalid_request', message: 'Invalid "key": a Claude API key starts with "sk-ant-".' } },
    });
    render(<KeyField status={{ configured: false, store: 'file' }} onChange={vi.fn()} />);
    fireEvent.change(screen.getByLabelText('Claude API key'), { target: { value: 'oops' } });
    expect(screen.getByText(/usually start with “sk-ant-”/)).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Save key' }));
    await waitFor(() => expect(screen.getByText(/a Claude API key starts with/)).toBeTruthy());
  });
});

describe('KeyField without a keychain', () => {
  it('offers to keep the key in a private file when the keychain refuses, and does so with ?store=file', async () => {
    respond = (method, url) => {
      if (method === 'PUT' && url === '/api/v1/settings/claude-key')
        return {
          status: 503,
          json: {
            error: {
              type: 'upstream_unavailable',
              message:
                'Could not save the key in the OS keychain: locked. To save it in /d/claude-key.secret instead, send the same request with ?store=file.',
              kind: 'keychain-unavailable',
            },
          },
        };
      if (method === 'PUT' && url === '/api/v1/settings/claude-key?store=file')
        return { status: 200, json: { configured: true, last4: 'ABCD', store: 'file' } };
      return { status: 404, json: {} };
    };
    const onChange = vi.fn();
    render(<KeyField status={{ configured: false, store: 'keychain' }} onChange={onChange} />);
    fireEvent.change(screen.getByLabelText('Claude API key'), { target: { value: 'sk-ant-api03-0123456789-ABCD' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save key' }));
    const fallback = await screen.findByRole('button', { name: 'Save in a private file instead' });
    expect(screen.getByText(/Could not save the key in the OS keychain/)).toBeTruthy();
    fireEvent.click(fallback);
    await waitFor(() => expect(onChange).toHaveBeenCalledWith({ configured: true, last4: 'ABCD', store: 'file' }));
    expect(calls.filter((c) => c.method === 'PUT').map((c) => c.url)).toEqual([
      '/api/v1/settings/claude-key',
      '/api/v1/settings/claude-key?store=file',
    ]);
  });
});

describe('API snippets', () => {
  it('curl and both OpenAI clients use the real address and token', () => {
    const s = apiSnippets('http://127.0.0.1:8787', 'hai_tok');
    expect(s.map((x) => x.id)).toEqual(['curl', 'python', 'node']);
    expect(s[0]!.code).toContain('curl http://127.0.0.1:8787/v1/chat/completions');
    expect(s[0]!.code).toContain('Authorization: Bearer hai_tok');
    expect(s[1]!.code).toContain('OpenAI(base_url="http://127.0.0.1:8787/v1", api_key="hai_tok")');
    expect(s[2]!.code).toContain("baseURL: 'http://127.0.0.1:8787/v1', apiKey: 'hai_tok'");
  });
});
