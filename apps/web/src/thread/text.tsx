import { lazy, Suspense } from 'react';

const loadMarkdown = () => import('./Markdown.tsx');
const Markdown = lazy(loadMarkdown);

/** Starts loading the markdown renderer early (after the first paint), so text rarely waits for it. */
export function preloadMarkdown(): void {
  void loadMarkdown();
}

/** Markdown text; until its renderer has loaded, the same text plain (so the newest messages show at once). */
export function MarkdownText({ text }: { text: string }) {
  return (
    <Suspense fallback={<div className="markdown plain">{text}</div>}>
      <Markdown text={text} />
    </Suspense>
  );
}
