import type { ReactNode } from 'react';

/** A snippet with its highlight ranges (`[start, end)` in UTF-16 units, as the API gives them) as <mark>s. */
export function highlightSnippet(snippet: string, highlights: readonly { start: number; end: number }[]): ReactNode[] {
  const out: ReactNode[] = [];
  let at = 0;
  for (const { start, end } of [...highlights].sort((a, b) => a.start - b.start)) {
    if (start < at || end <= start) continue;
    if (start > at) out.push(snippet.slice(at, start));
    out.push(<mark key={start}>{snippet.slice(start, end)}</mark>);
    at = end;
  }
  if (at < snippet.length) out.push(snippet.slice(at));
  return out;
}

export interface HitGroup<T> {
  conversationId: string;
  title: string | null;
  hits: T[];
}

/** Hits grouped by conversation, groups in the order of their best hit (the API ranks them). */
export function groupHits<T extends { conversation: { id: string; title: string | null } }>(
  hits: readonly T[],
): HitGroup<T>[] {
  const groups = new Map<string, HitGroup<T>>();
  for (const hit of hits) {
    let group = groups.get(hit.conversation.id);
    if (!group) {
      group = { conversationId: hit.conversation.id, title: hit.conversation.title, hits: [] };
      groups.set(hit.conversation.id, group);
    }
    group.hits.push(hit);
  }
  return [...groups.values()];
}
