// @vitest-environment jsdom
// Settings → routing experiment: the start body from the form (percent → fraction, only the changed parts), and stop.
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { experimentStartFrom, ExperimentForm } from './ExperimentForm';

afterEach(cleanup);

const fields = { name: '', sharePct: '50', changeThresholds: true, medium: '0.2', cloud: '0.4', estimator: '' as const };

describe('experimentStartFrom', () => {
  it('takes the share in percent and sends the fraction, with only the parts that differ', () => {
    expect(experimentStartFrom(fields)).toEqual({ share: 0.5, variant: { thresholds: { medium: 0.2, cloud: 0.4 } } });
    expect(experimentStartFrom({ ...fields, changeThresholds: false, estimator: 'rules', name: ' rules ', sharePct: '10' })).toEqual({
      share: 0.1,
      variant: { estimator: 'rules' },
      name: 'rules',
    });
  });

  it('says what is missing', () => {
    expect(experimentStartFrom({ ...fields, sharePct: '100' })).toMatch(/between 1 and 99/);
    expect(experimentStartFrom({ ...fields, sharePct: '' })).toMatch(/between 1 and 99/);
    expect(experimentStartFrom({ ...fields, changeThresholds: false })).toMatch(/must differ from the main policy/);
  });
});

describe('ExperimentForm', () => {
  it('starts from the main thresholds and submits the variant', async () => {
    const onStart = vi.fn(async () => undefined);
    render(<ExperimentForm experiment={null} thresholds={{ medium: 0.3, cloud: 0.7 }} onStart={onStart} onStop={async () => undefined} />);
    expect((screen.getByLabelText('Variant’s cloud cut-off') as HTMLInputElement).value).toBe('0.7');
    fireEvent.change(screen.getByLabelText('Variant’s cloud cut-off'), { target: { value: '0.5' } });
    fireEvent.change(screen.getByLabelText('Share of conversations for the variant (%)'), { target: { value: '25' } });
    fireEvent.click(screen.getByRole('button', { name: 'Start the experiment' }));
    await waitFor(() => expect(onStart).toHaveBeenCalledWith({ share: 0.25, variant: { thresholds: { medium: 0.3, cloud: 0.5 } } }));
  });

  it('a running experiment is described, with Stop', async () => {
    const onStop = vi.fn(async () => undefined);
    render(
      <ExperimentForm
        experiment={{
          id: 'e',
          name: 'rules',
          status: 'running',
          share: 0.2,
          variant: { estimator: 'rules' },
          started_at: 1,
          stopped_at: null,
          adopted: null,
        }}
        thresholds={{ medium: 0.3, cloud: 0.7 }}
        onStart={async () => undefined}
        onStop={onStop}
      />,
    );
    expect(screen.getByTestId('experiment-running').textContent).toContain('The variant (estimator rules) decides 20% of conversations');
    fireEvent.click(screen.getByRole('button', { name: 'Stop the experiment' }));
    await waitFor(() => expect(onStop).toHaveBeenCalledTimes(1));
  });
});
