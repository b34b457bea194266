// @vitest-environment jsdom
// A cloud provider's card: one that is set up but cannot answer (its model refused, its server unreachable) says so,
// with the core's reason; one that can answer shows no such notice.
import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { CloudProviderDto } from '../../api/types';
import { ProviderKey } from './CloudProviders';

afterEach(cleanup);

const compat = (over: Partial<CloudProviderDto>): CloudProviderDto => ({
  provider: 'compat',
  name: 'OpenAI-compatible cloud',
  engine: 'cloud-compat',
  configured: true,
  available: true,
  reason: null,
  model: 'deepseek-chat',
  key: { configured: true, last4: 'k3y', store: 'file' },
  url: 'https://openrouter.ai/api/v1',
  compat: {
    url: 'https://openrouter.ai/api/v1',
    model: 'deepseek-chat',
    prices: null,
    allow_http: false,
    source: 'settings',
    env_fields: [],
  },
  ...over,
});

describe('ProviderKey', () => {
  it('a set-up cloud whose model the provider refused shows that it cannot answer, and why', () => {
    const reason =
      'the OpenAI-compatible cloud at openrouter.ai refused the model "deepseek-chat" (HTTP 404): The model `deepseek-chat` does not exist.';
    render(<ProviderKey p={compat({ available: false, reason })} onSaved={() => undefined} />);
    const notice = screen.getByTestId('cloud-unavailable-compat');
    expect(notice.textContent).toContain('OpenAI-compatible cloud cannot answer now');
    expect(notice.textContent).toContain('refused the model "deepseek-chat" (HTTP 404)');
  });

  it('an available cloud, or one not set up, shows no such notice', () => {
    render(<ProviderKey p={compat({})} onSaved={() => undefined} />);
    expect(screen.queryByTestId('cloud-unavailable-compat')).toBeNull();
    cleanup();
    render(
      <ProviderKey
        p={compat({
          configured: false,
          available: false,
          reason: 'no OpenAI-compatible cloud configured',
          compat: undefined,
          url: undefined,
        })}
        onSaved={() => undefined}
      />,
    );
    expect(screen.queryByTestId('cloud-unavailable-compat')).toBeNull();
  });
});
