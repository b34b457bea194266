// @vitest-environment jsdom
// Model output is untrusted: no raw HTML or script, no remote images, no javascript: links; code is highlighted and copyable.
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Markdown } from './Markdown';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('Markdown', () => {
  it('renders Markdown but drops raw HTML, scripts and event handlers', () => {
    const { container } = render(
      <Markdown text={'**bold** and <script>window.pwned = 1</script><img src=x onerror="window.pwned=2"> <b onclick="x()">tag</b>'} />,
    );
    expect(container.querySelector('strong')?.textContent).toBe('bold');
    expect(container.querySelector('script')).toBeNull();
    expect(container.querySelector('img')).toBeNull();
    expect(container.innerHTML).not.toMatch(/onerror|onclick/);
    expect((window as unknown as { pwned?: number }).pwned).toBeUndefined();
  });

  it('never loads a remote image: it shows a labelled link instead', () => {
    const { container } = render(<Markdown text={'![tracking pixel](https://evil.example/p.png)'} />);
    expect(container.querySelector('img')).toBeNull();
    expect(container.textContent).toContain('Image: tracking pixel (not loaded)');
    expect(screen.getByRole('link', { name: 'open' }).getAttribute('href')).toBe('https://evil.example/p.png');
  });

  it('strips javascript: links and opens the rest outside the app', () => {
    const { container } = render(<Markdown text={'[a](javascript:alert(1)) [b](https://example.com/)'} />);
    const links = [...container.querySelectorAll('a')];
    expect(links.map((a) => a.getAttribute('href'))).not.toContain('javascript:alert(1)');
    const b = links.find((a) => a.textContent === 'b')!;
    expect(b.getAttribute('rel')).toBe('noopener noreferrer');
    expect(b.getAttribute('target')).toBe('_blank');
  });

  it('highlights a fenced code block and copies its plain text', async () => {
    const writeText = vi.fn(async () => {});
    vi.stubGlobal('navigator', { ...navigator, clipboard: { writeText } });
    const { container } = render(<Markdown text={'```python\ndef add(a, b):\n    return a + b\n```'} />);
    expect(container.querySelector('.code-lang')?.textContent).toBe('python');
    expect(container.querySelector('code .hljs-keyword')?.textContent).toBe('def');
    fireEvent.click(screen.getByRole('button', { name: 'Copy code' }));
    await waitFor(() => expect(writeText).toHaveBeenCalledWith('def add(a, b):\n    return a + b'));
    await waitFor(() => expect(screen.getByRole('button', { name: 'Copy code' }).textContent).toContain('Copied'));
  });
});
