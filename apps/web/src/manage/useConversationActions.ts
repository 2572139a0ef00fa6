import { type InfiniteData, useQueryClient } from '@tanstack/react-query';
import type { ConversationDto } from '@threadstore/shared';
import { TRPCClientError } from '@trpc/client';
import { useMemo } from 'react';
import { toast } from 'sonner';
import { errorMessage, useTRPC, useTRPCClient } from '../trpc.ts';

type ListData = InfiniteData<{ items: ConversationDto[]; nextCursor: string | null }>;
export type ConversationPatch = Partial<Pick<ConversationDto, 'title' | 'pinned' | 'tags'>> & { archived?: boolean };

/** The update in flight for each conversation, with what it returns (null when it failed). */
const pending = new Map<string, Promise<ConversationDto | null>>();

export const isConflict = (error: unknown) => error instanceof TRPCClientError && error.data?.code === 'CONFLICT';

const describe = (conversation: ConversationDto) =>
  `title “${conversation.title ?? 'Untitled'}”, ${conversation.pinned ? 'pinned' : 'not pinned'}, ${
    conversation.archivedAt ? 'archived' : 'not archived'
  }, tags: ${conversation.tags.length > 0 ? conversation.tags.join(', ') : 'none'}`;

/** What an update changes in the DTO, before the server says so. */
function applyPatch(conversation: ConversationDto, patch: ConversationPatch): ConversationDto {
  const next = { ...conversation };
  if (patch.title !== undefined) next.title = patch.title;
  if (patch.pinned !== undefined) next.pinned = patch.pinned;
  if (patch.tags !== undefined) next.tags = patch.tags;
  if (patch.archived !== undefined) next.archivedAt = patch.archived ? new Date().toISOString() : null;
  return next;
}

/**
 * Conversation actions with optimistic updates: the sidebar and the thread header change at once; on an error the
 * cache goes back and a toast says why. Updates send the version they were made on, so a change made elsewhere
 * in between is a CONFLICT: the current value is fetched, shown and put in the cache, and nothing is overwritten.
 */
export function useConversationActions() {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();

  return useMemo(() => {
    const listFilter = trpc.conversation.list.pathFilter();
    const getKey = (id: string) => trpc.conversation.get.queryKey({ id });

    /** Rewrites every loaded list page; `change` returns null to take a conversation out of the lists. */
    const patchLists = (change: (conversation: ConversationDto) => ConversationDto | null) =>
      queryClient.setQueriesData<ListData>(listFilter, (data) =>
        data
          ? {
              ...data,
              pages: data.pages.map((page) => ({
                ...page,
                items: page.items.flatMap((item) => {
                  const next = change(item);
                  return next ? [next] : [];
                }),
              })),
            }
          : data,
      );

    const snapshot = (ids: readonly string[]) => {
      const lists = queryClient.getQueriesData<ListData>(listFilter);
      const gets = ids.map((id) => [getKey(id), queryClient.getQueryData(getKey(id))] as const);
      return () => {
        for (const [key, data] of lists) queryClient.setQueryData(key, data);
        for (const [key, data] of gets) queryClient.setQueryData(key, data);
      };
    };

    const store = (conversation: ConversationDto) => {
      queryClient.setQueryData(getKey(conversation.id), conversation);
      patchLists((item) => (item.id === conversation.id ? conversation : item));
    };
    const settle = () => queryClient.invalidateQueries(listFilter);

    const showConflict = async (id: string) => {
      try {
        const current = await client.conversation.get.query({ id });
        store(current);
        toast.warning('Changed elsewhere: nothing was overwritten', {
          description: `It is now: ${describe(current)}. Make your change again if you still want it.`,
          duration: 10_000,
        });
      } catch (error) {
        toast.error(errorMessage(error));
      }
    };

    async function update(conversation: ConversationDto, patch: ConversationPatch): Promise<boolean> {
      const rollback = snapshot([conversation.id]);
      const optimistic = applyPatch(conversation, patch);
      queryClient.setQueryData(getKey(conversation.id), optimistic);
      // Archiving moves it to the other view; the rest keep their place until the list is fetched again.
      patchLists((item) => (item.id !== conversation.id ? item : patch.archived !== undefined ? null : optimistic));
      const write = async () => {
        // Two quick edits (two tags typed in a row): the second waits for the first and goes on from the version
        // our own first write made, which is no conflict.
        const before = await pending.get(conversation.id);
        const expectedVersion = before && before.version > conversation.version ? before.version : conversation.version;
        try {
          const saved = await client.conversation.update.mutate({ id: conversation.id, expectedVersion, ...patch });
          store(saved);
          return saved;
        } catch (error) {
          rollback();
          if (isConflict(error)) await showConflict(conversation.id);
          else toast.error(`Could not change “${conversation.title ?? 'Untitled'}”: ${errorMessage(error)}`);
          return null;
        } finally {
          void settle();
        }
      };
      const done = write();
      pending.set(conversation.id, done);
      const saved = await done;
      if (pending.get(conversation.id) === done) pending.delete(conversation.id);
      return saved !== null;
    }

    async function updateMany(conversations: readonly ConversationDto[], patch: ConversationPatch) {
      const results = await Promise.all(conversations.map((conversation) => update(conversation, patch)));
      return results.filter(Boolean).length;
    }

    async function restore(ids: readonly string[]) {
      const results = await Promise.allSettled(ids.map((id) => client.conversation.restore.mutate({ id })));
      for (const result of results) if (result.status === 'fulfilled') store(result.value);
      const failed = results.filter((result) => result.status === 'rejected');
      if (failed.length > 0) toast.error(`${failed.length} could not be restored: ${errorMessage(failed[0]?.reason)}`);
      await settle();
    }

    /** To the trash, with an Undo in the toast. */
    async function remove(conversations: readonly ConversationDto[]) {
      const ids = conversations.map((conversation) => conversation.id);
      const gone = new Set(ids);
      const rollback = snapshot(ids);
      patchLists((item) => (gone.has(item.id) ? null : item));
      const results = await Promise.allSettled(ids.map((id) => client.conversation.delete.mutate({ id })));
      const deleted = results.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
      for (const conversation of deleted) queryClient.setQueryData(getKey(conversation.id), conversation);
      if (deleted.length < ids.length) {
        rollback();
        const reason = results.find((result) => result.status === 'rejected') as PromiseRejectedResult;
        toast.error(`${ids.length - deleted.length} could not be deleted: ${errorMessage(reason.reason)}`);
      }
      if (deleted.length > 0) {
        const label =
          deleted.length === 1
            ? `“${deleted[0]?.title ?? 'Untitled'}” moved to the trash`
            : `${deleted.length} moved to the trash`;
        toast.success(label, {
          duration: 8000,
          action: { label: 'Undo', onClick: () => void restore(deleted.map((conversation) => conversation.id)) },
        });
      }
      await settle();
    }

    async function purge(ids: readonly string[]) {
      const gone = new Set(ids);
      const rollback = snapshot(ids);
      patchLists((item) => (gone.has(item.id) ? null : item));
      const results = await Promise.allSettled(ids.map((id) => client.conversation.purge.mutate({ id })));
      const failed = results.filter((result) => result.status === 'rejected');
      for (const [index, result] of results.entries()) {
        if (result.status === 'fulfilled') queryClient.removeQueries({ queryKey: getKey(ids[index] as string) });
      }
      if (failed.length > 0) {
        rollback();
        toast.error(`${failed.length} could not be purged: ${errorMessage(failed[0]?.reason)}`);
      } else toast.success(ids.length === 1 ? 'Purged for good' : `${ids.length} purged for good`);
      await settle();
    }

    async function create(title: string | null) {
      try {
        const conversation = await client.conversation.create.mutate({ title });
        await settle();
        return conversation;
      } catch (error) {
        toast.error(`Could not create the conversation: ${errorMessage(error)}`);
        return null;
      }
    }

    return { update, updateMany, remove, restore, purge, create };
  }, [trpc, client, queryClient]);
}

export type ConversationActions = ReturnType<typeof useConversationActions>;
