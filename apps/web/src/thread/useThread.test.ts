import type { MessageDto } from '@threadstore/shared';
import { describe, expect, it } from 'vitest';
import { mergeNewest, type ThreadData } from './useThread.ts';

const message = (id: string, at: string, extra: Partial<MessageDto> = {}): MessageDto => ({
  id,
  conversationId: 'c',
  role: 'assistant',
  content: id,
  parts: [],
  attachments: null,
  metadata: null,
  status: 'complete',
  createdAt: at,
  updatedAt: at,
  ...extra,
});

const data = (pages: MessageDto[][], newerCursor: string | null = null): ThreadData => ({
  pages: pages.map((items, index) => ({
    items,
    olderCursor: index === 0 ? 'older' : null,
    newerCursor: index === pages.length - 1 ? newerCursor : null,
  })),
  pageParams: pages.map(() => ({ kind: 'start' as const })),
});

describe('mergeNewest', () => {
  const a = message('a', '2026-01-01T00:00:01Z');
  const b = message('b', '2026-01-01T00:00:02Z', { status: 'streaming' });

  it('updates a message that changed in place and appends new ones at the end', () => {
    const current = data([[a], [b]]);
    const finished = { ...b, status: 'complete' as const, updatedAt: '2026-01-01T00:00:09Z', content: 'done' };
    const c = message('c', '2026-01-01T00:00:03Z');
    const merged = mergeNewest(current, [a, finished, c]);
    expect(merged.pages.map((page) => page.items.map((item) => item.content))).toEqual([['a'], ['done', 'c']]);
    expect(merged.pages[0]).toBe(current.pages[0]);
  });

  it('returns the same object when nothing changed, so nothing re-renders', () => {
    const current = data([[a, b]]);
    expect(mergeNewest(current, [a, b])).toBe(current);
    expect(mergeNewest(current, [])).toBe(current);
  });

  it('leaves a thread that is not at its live end alone', () => {
    const current = data([[a]], 'newer-cursor');
    expect(mergeNewest(current, [message('z', '2026-01-02T00:00:00Z')])).toBe(current);
  });
});
