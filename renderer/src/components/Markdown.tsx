// Model output as Markdown: sanitised (no script, no raw HTML, no remote images), code highlighted, copy per block.
import { memo, type ReactNode } from 'react';
import ReactMarkdown, { type Components } from 'react-markdown';
import rehypeHighlight from 'rehype-highlight';
import rehypeSanitize from 'rehype-sanitize';
import { openExternal } from '../shell';
import { CopyButton } from './CopyButton';

interface HastNode {
  type: string;
  value?: string;
  tagName?: string;
  properties?: Record<string, unknown>;
  children?: HastNode[];
}

/** Plain text of a hast subtree (what the copy button copies: the code, not the highlighting markup). */
export function hastText(node: HastNode | undefined): string {
  if (!node) return '';
  if (node.type === 'text') return node.value ?? '';
  return (node.children ?? []).map(hastText).join('');
}

function languageOf(node: HastNode | undefined): string | null {
  const code = node?.children?.find((c) => c.tagName === 'code');
  const cls = code?.properties?.className;
  const list = Array.isArray(cls) ? (cls as string[]) : [];
  const lang = list.find((c) => c.startsWith('language-'));
  return lang ? lang.slice('language-'.length) : null;
}

const components: Components = {
  pre({ node, children }) {
    const text = hastText(node as HastNode);
    const lang = languageOf(node as HastNode);
    return (
      <div className="code-block">
        <div className="code-head">
          <span className="code-lang">{lang ?? 'text'}</span>
          <CopyButton text={text.replace(/\n$/, '')} label="Copy code" showText />
        </div>
        <pre tabIndex={0}>{children}</pre>
      </div>
    );
  },
  a({ href, children }) {
    return (
      <a
        href={href}
        target="_blank"
        rel="noopener noreferrer"
        onClick={(e) => {
          if (!href) return;
          e.preventDefault();
          openExternal(href);
        }}
      >
        {children}
      </a>
    );
  },
  // Remote images would tell a third party that this answer was read: show a link instead of loading them.
  img({ src, alt }) {
    const label: ReactNode = alt ? `Image: ${alt}` : 'Image';
    return (
      <span className="md-image-blocked">
        {label} (not loaded){typeof src === 'string' && src ? ' · ' : ''}
        {typeof src === 'string' && src && (
          <a href={src} target="_blank" rel="noopener noreferrer">
            open
          </a>
        )}
      </span>
    );
  },
  table({ children }) {
    return (
      <div className="table-wrap">
        <table>{children}</table>
      </div>
    );
  },
};

/** Render `text` (may be a half-streamed answer). Sanitise first, then highlight: highlighting output is trusted. */
export const Markdown = memo(function Markdown({ text }: { text: string }) {
  return (
    <div className="markdown">
      <ReactMarkdown rehypePlugins={[rehypeSanitize, [rehypeHighlight, { detect: false }]]} components={components} skipHtml>
        {text}
      </ReactMarkdown>
    </div>
  );
});
