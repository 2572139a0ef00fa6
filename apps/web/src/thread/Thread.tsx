import { useQuery } from '@tanstack/react-query';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { MessageDto } from '@threadstore/shared';
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { ThreadActions, ThreadTitle } from '../manage/ThreadActions.tsx';
import { errorMessage, useTRPC } from '../trpc.ts';
import { MessageView } from './MessageView.tsx';
import { useThread } from './useThread.ts';

const ESTIMATE = 140;
/** How long a message opened from search stays highlighted. */
const HIGHLIGHT_MS = 2500;

function ThreadSkeleton() {
  return (
    <div className="thread-skeleton" role="status" aria-busy="true" aria-label="Loading messages">
      {[0, 1, 2, 3].map((index) => (
        <div key={index} className="skeleton-message">
          <div className="skeleton-line short" />
          <div className="skeleton-line" />
          <div className="skeleton-line" />
        </div>
      ))}
    </div>
  );
}

/**
 * The virtual list, mounted once the first page is there: it starts scrolled where it opens (the newest
 * message, or the one asked for), so the first frame it paints already shows it.
 */
function ThreadList({ items, thread, messageId }: { items: MessageDto[]; thread: ThreadQuery; messageId?: string }) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const [opening] = useState(() => {
    const target = messageId ? items.findIndex((message) => message.id === messageId) : -1;
    const viewport = Math.max(300, window.innerHeight - 140);
    return {
      target,
      offset: target >= 0 ? Math.max(0, target * ESTIMATE - viewport / 2) : items.length * ESTIMATE,
      rect: { width: Math.max(300, window.innerWidth * 0.55), height: viewport },
    };
  });
  const virtualizer = useVirtualizer({
    count: items.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ESTIMATE,
    overscan: 8,
    getItemKey: (index) => items[index]?.id ?? index,
    paddingStart: 12,
    paddingEnd: 24,
    initialOffset: opening.offset,
    initialRect: opening.rect,
  });
  // Older pages go in above what is on screen. The message being read is kept at the same place on screen:
  // it is noted after every commit, and when a page lands above it the scroll position follows it, again on
  // every commit for a moment, while the messages around it are measured and their estimated sizes corrected.
  const firstId = items[0]?.id;
  const previous = useRef<{ firstId: string | undefined; count: number }>({ firstId: undefined, count: 0 });
  const reading = useRef<{ id: string; offset: number } | null>(null);
  // Opened at the newest message, the list stays at the bottom while the messages there are measured.
  const anchor = useRef<{ id: string | null; offset: number; until: number } | null>(
    opening.target >= 0 ? null : { id: null, offset: 0, until: performance.now() + 1500 },
  );
  const [highlighted, setHighlighted] = useState<string | undefined>();
  useLayoutEffect(() => {
    if (opening.target < 0) return;
    virtualizer.scrollToIndex(opening.target, { align: 'center' });
    setHighlighted(messageId);
  }, [opening, virtualizer, messageId]);
  useLayoutEffect(() => {
    const before = previous.current;
    previous.current = { firstId, count: items.length };
    const element = scrollRef.current;
    if (!element || before.count === 0) return;
    if (before.firstId !== firstId && before.firstId !== undefined && reading.current) {
      anchor.current = { ...reading.current, until: performance.now() + 1500 };
    }
  }, [firstId, items]);

  // Every commit: follow the anchor while it lasts, otherwise note which message is at the top of the view.
  useLayoutEffect(() => {
    const element = scrollRef.current;
    if (!element) return;
    const held = anchor.current;
    if (held && performance.now() < held.until) {
      if (held.id === null) {
        element.scrollTop = element.scrollHeight;
        return;
      }
      const index = items.findIndex((message) => message.id === held.id);
      const start = index >= 0 ? virtualizer.measurementsCache[index]?.start : undefined;
      if (start !== undefined && Math.abs(element.scrollTop - (start - held.offset)) > 1) {
        element.scrollTop = start - held.offset;
      }
      return;
    }
    anchor.current = null;
    const top = element.scrollTop;
    const item = virtualizer.getVirtualItems().find((row) => row.end > top);
    const message = item && items[item.index];
    reading.current = item && message ? { id: message.id, offset: item.start - top } : null;
  });
  useEffect(() => {
    const element = scrollRef.current;
    if (!element) return;
    // The reader taking over ends the anchoring at once.
    const release = () => {
      anchor.current = null;
    };
    const events = ['wheel', 'touchstart', 'keydown', 'pointerdown'] as const;
    for (const event of events) element.addEventListener(event, release, { passive: true });
    return () => {
      for (const event of events) element.removeEventListener(event, release);
    };
  }, []);

  useEffect(() => {
    if (!highlighted) return;
    const timer = setTimeout(() => setHighlighted(undefined), HIGHLIGHT_MS);
    return () => clearTimeout(timer);
  }, [highlighted]);

  const virtualItems = virtualizer.getVirtualItems();
  const firstVisible = virtualItems[0]?.index;
  const lastVisible = virtualItems.at(-1)?.index;
  const { hasPreviousPage, hasNextPage, isFetchingPreviousPage, isFetchingNextPage, fetchPreviousPage, fetchNextPage } =
    thread;
  useEffect(() => {
    const element = scrollRef.current;
    if (!element || firstVisible === undefined || lastVisible === undefined) return;
    // Pixels, read after the layout effect above has moved the scroll position for a page just added: the
    // virtual range of the render before that move would still be at the top and ask for one page too many.
    const margin = 2 * element.clientHeight;
    if (element.scrollTop < margin && hasPreviousPage && !isFetchingPreviousPage) void fetchPreviousPage();
    const below = element.scrollHeight - element.scrollTop - element.clientHeight;
    if (below < margin && hasNextPage && !isFetchingNextPage) void fetchNextPage();
  }, [
    firstVisible,
    lastVisible,
    hasPreviousPage,
    hasNextPage,
    isFetchingPreviousPage,
    isFetchingNextPage,
    fetchPreviousPage,
    fetchNextPage,
  ]);

  return (
    <div
      ref={scrollRef}
      className="thread-scroll"
      role="log"
      aria-label="Messages"
      aria-busy={isFetchingPreviousPage || isFetchingNextPage}
      // biome-ignore lint/a11y/noNoninteractiveTabindex: the message log scrolls with the keyboard
      tabIndex={0}
    >
      {hasPreviousPage ? (
        <div className="page-loading top">{isFetchingPreviousPage ? 'Loading older…' : ''}</div>
      ) : null}
      <div className="thread-inner" style={{ height: virtualizer.getTotalSize() }}>
        {virtualItems.map((row) => {
          const message = items[row.index];
          if (!message) return null;
          return (
            <div
              key={row.key}
              data-index={row.index}
              ref={virtualizer.measureElement}
              className="thread-row"
              style={{ transform: `translateY(${row.start}px)` }}
            >
              <MessageView message={message} highlighted={message.id === highlighted} />
            </div>
          );
        })}
      </div>
    </div>
  );
}

type ThreadQuery = ReturnType<typeof useThread>['thread'];

export function Thread({ conversationId, messageId }: { conversationId: string; messageId?: string }) {
  const trpc = useTRPC();
  const conversation = useQuery(trpc.conversation.get.queryOptions({ id: conversationId }));
  const { thread } = useThread(conversationId, messageId);
  const items = useMemo(() => thread.data?.pages.flatMap((page) => page.items) ?? [], [thread.data]);
  return (
    <section className="thread" aria-label="Thread" data-thread-conversation-id={conversationId}>
      <header className="thread-header">
        {/* The count goes under the title: the title keeps the width the actions leave. */}
        <div className="thread-heading">
          {conversation.data ? (
            <ThreadTitle conversation={conversation.data} />
          ) : (
            <h2 className="thread-title">{conversation.isPending ? '' : 'Untitled'}</h2>
          )}
          {conversation.data ? (
            <span className="muted thread-count">
              {conversation.data.messageCount.toLocaleString()} messages
              {conversation.data.archivedAt ? ' · archived' : ''}
              {conversation.data.deletedAt ? ' · in the trash' : ''}
            </span>
          ) : null}
        </div>
        {conversation.data ? <ThreadActions conversation={conversation.data} /> : null}
      </header>
      {thread.isPending ? <ThreadSkeleton /> : null}
      {thread.isError ? (
        <div className="empty-state" role="alert">
          <h3>This conversation could not be opened</h3>
          <p>{errorMessage(thread.error)}</p>
        </div>
      ) : null}
      {thread.isSuccess && items.length === 0 ? (
        <div className="empty-state">
          <h3>No messages yet</h3>
          <p>Messages your agents write to this conversation appear here as they arrive.</p>
        </div>
      ) : null}
      {items.length > 0 ? <ThreadList items={items} thread={thread} messageId={messageId} /> : null}
    </section>
  );
}
