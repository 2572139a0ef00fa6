import { useEffect, useState } from 'react';
import { highlight } from './highlight.ts';

/** A fenced code block: plain at once, highlighted when the highlighter (a chunk of its own) has loaded. */
export function CodeBlock({ code, language }: { code: string; language: string | undefined }) {
  const [html, setHtml] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    if (language) {
      highlight(code, language).then(
        (result) => live && setHtml(result),
        () => undefined,
      );
    }
    return () => {
      live = false;
    };
  }, [code, language]);
  return (
    <div className="code-block" data-language={language ?? 'text'}>
      {language ? <span className="code-language">{language}</span> : null}
      {html ? (
        // Shiki escapes the code it wraps in spans; nothing of the message reaches the DOM unescaped.
        // biome-ignore lint/security/noDangerouslySetInnerHtml: shiki's output is escaped HTML
        <div className="shiki-wrap" dangerouslySetInnerHTML={{ __html: html }} />
      ) : (
        <pre>
          <code>{code}</code>
        </pre>
      )}
    </div>
  );
}
