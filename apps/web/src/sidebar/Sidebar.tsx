import { useInfiniteQuery } from '@tanstack/react-query';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { ConversationDto } from '@threadstore/shared';
import { type KeyboardEvent, useEffect, useMemo, useRef, useState } from 'react';
import { useDebounced } from '../shell/use-debounced.ts';
import { useTRPC } from '../trpc.ts';
import { formatActivity, groupConversations, lastActivity } from './grouping.ts';

export type SidebarView = 'all' | 'archived' | 'trash';
const VIEWS: { id: SidebarView; label: string }[] = [
  { id: 'all', label: 'Chats' },
  { id: 'archived', label: 'Archived' },
  { id: 'trash', label: 'Trash' },
];
const HEADER_HEIGHT = 30;
const ROW_HEIGHT = 54;

export interface SidebarProps {
  activeId: string | undefined;
  onOpen(conversation: ConversationDto): void;
  /** Loaded conversations and whether more exist: for the status bar. */
  onCount?(loaded: number, more: boolean): void;
}

const EMPTY_TEXT: Record<SidebarView, string> = {
  all: 'No conversations yet. Conversations appear here as soon as an agent writes its first message.',
  archived: 'Nothing archived. Archived conversations are kept here, out of the way.',
  trash: 'The trash is empty. Deleted conversations wait here until they are purged.',
};

/** Drawn, not an emoji: emoji fonts are missing on many Linux desktops (and the CI machine). */
function PinIcon() {
  return (
    <svg className="pin" viewBox="0 0 16 16" width="12" height="12" role="img" aria-label="pinned">
      <path
        fill="currentColor"
        d="M9.8 1.2a.75.75 0 0 1 1.06 0l3.94 3.94a.75.75 0 0 1 0 1.06l-1.1 1.1a.75.75 0 0 1-.72.2l-1.3-.35-2.1 2.1.4 2.4a.75.75 0 0 1-.21.65l-.75.75a.75.75 0 0 1-1.06 0L5.6 10.7l-3.3 3.3a.75.75 0 1 1-1.06-1.06l3.3-3.3-2.35-2.35a.75.75 0 0 1 0-1.06l.75-.75a.75.75 0 0 1 .65-.21l2.4.4 2.1-2.1-.35-1.3a.75.75 0 0 1 .2-.72z"
      />
    </svg>
  );
}

export function Sidebar({ activeId, onOpen, onCount }: SidebarProps) {
  const trpc = useTRPC();
  const [view, setView] = useState<SidebarView>('all');
  const [filter, setFilter] = useState('');
  const q = useDebounced(filter.trim(), 150);
  const list = useInfiniteQuery(
    trpc.conversation.list.infiniteQueryOptions(
      { limit: 100, archived: view === 'archived', trashed: view === 'trash', q: q || undefined },
      { getNextPageParam: (page) => page.nextCursor ?? undefined, placeholderData: (previous) => previous },
    ),
  );
  const conversations = useMemo(() => list.data?.pages.flatMap((page) => page.items) ?? [], [list.data]);
  // The date groups are fixed for the page's life: a conversation does not jump groups while you scroll.
  const [now] = useState(() => new Date());
  const rows = useMemo(() => groupConversations(conversations, now), [conversations, now]);
  useEffect(() => onCount?.(conversations.length, list.hasNextPage), [conversations.length, list.hasNextPage, onCount]);

  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: (index) => (rows[index]?.kind === 'header' ? HEADER_HEIGHT : ROW_HEIGHT),
    overscan: 12,
    getItemKey: (index) => rows[index]?.key ?? index,
  });
  const virtualItems = virtualizer.getVirtualItems();
  const lastVisible = virtualItems.at(-1)?.index ?? 0;
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = list;
  useEffect(() => {
    if (lastVisible > rows.length - 30 && hasNextPage && !isFetchingNextPage) void fetchNextPage();
  }, [lastVisible, rows.length, hasNextPage, isFetchingNextPage, fetchNextPage]);

  // Keyboard focus moves through conversations only (headers are skipped); Enter opens.
  const [focusedId, setFocusedId] = useState<string | undefined>();
  const current = focusedId ?? activeId;
  const move = (delta: number) => {
    const indexes = rows.flatMap((row, index) => (row.kind === 'conversation' ? [index] : []));
    if (indexes.length === 0) return;
    const at = indexes.findIndex((index) => rows[index]?.key === current);
    const next = indexes[Math.min(indexes.length - 1, Math.max(0, at === -1 ? 0 : at + delta))] as number;
    setFocusedId(rows[next]?.key);
    virtualizer.scrollToIndex(next, { align: 'auto' });
  };
  const onKeyDown = (event: KeyboardEvent) => {
    switch (event.key) {
      case 'ArrowDown':
        move(1);
        break;
      case 'ArrowUp':
        move(-1);
        break;
      case 'PageDown':
        move(10);
        break;
      case 'PageUp':
        move(-10);
        break;
      case 'Home':
        move(-rows.length);
        break;
      case 'End':
        move(rows.length);
        break;
      case 'Enter': {
        const row = rows.find((item) => item.key === current);
        if (row?.kind === 'conversation') onOpen(row.conversation);
        break;
      }
      default:
        return;
    }
    event.preventDefault();
  };

  return (
    <nav className="sidebar" aria-label="Conversations">
      <div className="sidebar-top">
        <div className="view-tabs" role="tablist" aria-label="Views">
          {VIEWS.map((item) => (
            <button
              key={item.id}
              type="button"
              role="tab"
              aria-selected={view === item.id}
              className={view === item.id ? 'active' : ''}
              onClick={() => setView(item.id)}
            >
              {item.label}
            </button>
          ))}
        </div>
        <input
          className="filter"
          type="search"
          placeholder="Filter titles"
          aria-label="Filter conversations by title"
          value={filter}
          onChange={(event) => setFilter(event.target.value)}
          onKeyDown={(event) => {
            if (event.key === 'ArrowDown') {
              event.preventDefault();
              scrollRef.current?.focus();
              move(0);
            }
          }}
        />
      </div>
      {list.isPending ? (
        <div className="sidebar-skeleton" role="status" aria-busy="true" aria-label="Loading conversations">
          {Array.from({ length: 8 }, (_, index) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: placeholders without identity
            <div key={index} className="skeleton-row" />
          ))}
        </div>
      ) : null}
      {list.isSuccess && conversations.length === 0 ? (
        <p className="empty-state small">{q ? `No titles match “${q}”. Try fewer words.` : EMPTY_TEXT[view]}</p>
      ) : null}
      <div
        ref={scrollRef}
        className="sidebar-scroll"
        role="listbox"
        aria-label={VIEWS.find((item) => item.id === view)?.label}
        aria-activedescendant={current && rows.some((row) => row.key === current) ? `conv-${current}` : undefined}
        tabIndex={0}
        onKeyDown={onKeyDown}
      >
        <div className="sidebar-inner" style={{ height: virtualizer.getTotalSize() }}>
          {virtualItems.map((item) => {
            const row = rows[item.index];
            if (!row) return null;
            const style = { transform: `translateY(${item.start}px)`, height: item.size };
            if (row.kind === 'header') {
              return (
                <div key={item.key} className="group-header" role="presentation" style={style}>
                  {row.label}
                </div>
              );
            }
            const conversation = row.conversation;
            return (
              // biome-ignore lint/a11y/useKeyWithClickEvents: the listbox takes the keys (arrows, Enter) for its options
              <div
                key={item.key}
                id={`conv-${conversation.id}`}
                role="option"
                tabIndex={-1}
                aria-selected={conversation.id === activeId}
                data-conversation-id={conversation.id}
                className={`conversation-row${conversation.id === activeId ? ' active' : ''}${
                  conversation.id === current ? ' focused' : ''
                }`}
                style={style}
                onClick={() => {
                  setFocusedId(conversation.id);
                  onOpen(conversation);
                }}
              >
                <span className="conversation-title">
                  {conversation.pinned ? <PinIcon /> : null}
                  {conversation.title ?? 'Untitled'}
                </span>
                <span className="conversation-meta">
                  <time dateTime={lastActivity(conversation).toISOString()}>
                    {formatActivity(lastActivity(conversation), now)}
                  </time>
                  <span>{conversation.messageCount.toLocaleString()} msgs</span>
                </span>
              </div>
            );
          })}
        </div>
        {isFetchingNextPage ? <div className="page-loading">Loading more…</div> : null}
      </div>
    </nav>
  );
}
