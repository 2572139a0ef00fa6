import { type InfiniteData, useInfiniteQuery, useQuery, useQueryClient } from '@tanstack/react-query';
import type { MessageDto } from '@threadstore/shared';
import { useEffect } from 'react';
import { useTRPCClient } from '../trpc.ts';

/** A loaded stretch of history, in order, and how to go on from either end (null: that end is reached). */
export interface ThreadPage {
  items: MessageDto[];
  olderCursor: string | null;
  newerCursor: string | null;
}
export type ThreadPageParam = { kind: 'start' } | { kind: 'older' | 'newer'; cursor: string };
export type ThreadData = InfiniteData<ThreadPage, ThreadPageParam>;

/** The first page: the newest messages, or the ones around a message opened from search or a deep link. */
const FIRST_PAGE = 50;
/** Pages while scrolling: the API's largest, so a 10,000-message thread is 100 round trips from end to end. */
const PAGE = 100;
const LIVE_PAGE = 30;

export const threadKey = (conversationId: string, anchorId: string | undefined) =>
  ['thread', conversationId, anchorId ?? null] as const;

/** Merges the newest messages into the loaded ones: updated in place (a stream going on), new ones at the end. */
export function mergeNewest(data: ThreadData, newest: readonly MessageDto[]): ThreadData {
  const last = data.pages.at(-1);
  if (!last || last.newerCursor !== null || newest.length === 0) return data;
  const byId = new Map(newest.map((message) => [message.id, message]));
  let changed = false;
  const pages = data.pages.map((page) => {
    let pageChanged = false;
    const items = page.items.map((message) => {
      const fresh = byId.get(message.id);
      if (!fresh) return message;
      byId.delete(message.id);
      if (fresh.updatedAt === message.updatedAt && fresh.status === message.status) return message;
      pageChanged = true;
      return fresh;
    });
    if (!pageChanged) return page;
    changed = true;
    return { ...page, items };
  });
  const lastLoaded = last.items.at(-1);
  const added = newest.filter(
    (message) => byId.has(message.id) && (!lastLoaded || message.createdAt >= lastLoaded.createdAt),
  );
  if (added.length > 0) {
    const tail = pages.at(-1) as ThreadPage;
    pages[pages.length - 1] = { ...tail, items: [...tail.items, ...added] };
    changed = true;
  }
  return changed ? { ...data, pages } : data;
}

export function useThread(conversationId: string, anchorId: string | undefined) {
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const thread = useInfiniteQuery({
    queryKey: threadKey(conversationId, anchorId),
    initialPageParam: { kind: 'start' } as ThreadPageParam,
    queryFn: async ({ pageParam, signal }): Promise<ThreadPage> => {
      if (pageParam.kind === 'start') {
        if (anchorId) return client.message.around.query({ id: anchorId, limit: FIRST_PAGE / 2 }, { signal });
        const page = await client.message.list.query(
          { conversationId, direction: 'older', limit: FIRST_PAGE },
          { signal },
        );
        return { items: page.items, olderCursor: page.nextCursor, newerCursor: null };
      }
      const page = await client.message.list.query(
        { conversationId, direction: pageParam.kind, cursor: pageParam.cursor, limit: PAGE },
        { signal },
      );
      return pageParam.kind === 'older'
        ? { items: page.items, olderCursor: page.nextCursor, newerCursor: null }
        : { items: page.items, olderCursor: null, newerCursor: page.nextCursor };
    },
    getPreviousPageParam: (first): ThreadPageParam | undefined =>
      first.olderCursor ? { kind: 'older', cursor: first.olderCursor } : undefined,
    getNextPageParam: (last): ThreadPageParam | undefined =>
      last.newerCursor ? { kind: 'newer', cursor: last.newerCursor } : undefined,
    // Loaded history does not go stale; what changes at the live end comes in through the poll below.
    staleTime: Number.POSITIVE_INFINITY,
    gcTime: 5 * 60_000,
  });

  // At the live end, the newest messages are polled: often while one streams, now and then otherwise.
  const atLiveEnd = thread.data !== undefined && !thread.hasNextPage;
  const streaming = thread.data?.pages.at(-1)?.items.some((message) => message.status === 'streaming') ?? false;
  const live = useQuery({
    queryKey: ['thread-live', conversationId],
    queryFn: ({ signal }) =>
      client.message.list.query({ conversationId, direction: 'older', limit: LIVE_PAGE }, { signal }),
    enabled: atLiveEnd,
    refetchInterval: streaming ? 1000 : 10_000,
    refetchIntervalInBackground: false,
    staleTime: 0,
  });
  useEffect(() => {
    if (!live.data) return;
    queryClient.setQueryData<ThreadData>(threadKey(conversationId, anchorId), (data) =>
      data ? mergeNewest(data, live.data.items) : data,
    );
  }, [live.data, queryClient, conversationId, anchorId]);

  return { thread, streaming };
}
