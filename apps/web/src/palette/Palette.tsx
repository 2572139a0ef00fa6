import { keepPreviousData, useInfiniteQuery, useQuery } from '@tanstack/react-query';
import type { MessageRole } from '@threadstore/shared';
import { Command } from 'cmdk';
import { useMemo, useState } from 'react';
import { useDebounced } from '../shell/use-debounced.ts';
import { useTRPC } from '../trpc.ts';
import { groupHits, highlightSnippet } from './highlight.tsx';

/** Typing pauses this long before a query goes out; results come back well within the 150 ms budget. */
const DEBOUNCE_MS = 70;
// The roles of the API's schema; a value import of the schemas package would bring zod into the bundle.
const ROLES: readonly MessageRole[] = ['user', 'assistant', 'system', 'tool'];

export interface PaletteProps {
  open: boolean;
  onOpenChange(open: boolean): void;
  onOpenConversation(conversationId: string): void;
  onOpenMessage(conversationId: string, messageId: string): void;
}

/** A local calendar day (`<input type=date>`) as an ISO instant: its start, or the start of the next day. */
const dayBound = (day: string, next: boolean) => {
  if (!day) return undefined;
  const [year, month, date] = day.split('-').map(Number);
  return new Date(year as number, (month as number) - 1, (date as number) + (next ? 1 : 0)).toISOString();
};

export function Palette({ open, onOpenChange, onOpenConversation, onOpenMessage }: PaletteProps) {
  const trpc = useTRPC();
  const [text, setText] = useState('');
  const [role, setRole] = useState<MessageRole | ''>('');
  const [tool, setTool] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const input = useDebounced(
    useMemo(
      () => ({
        q: text.trim(),
        role: role || undefined,
        tool: tool.trim() || undefined,
        from: dayBound(from, false),
        to: dayBound(to, true),
      }),
      [text, role, tool, from, to],
    ),
    DEBOUNCE_MS,
  );
  const searching = input.q !== '';
  // Each query text is its own cache entry: an answer to an older text can never replace a newer one's.
  // Until the newer answer arrives, the previous results stay on screen, dimmed.
  const titles = useQuery(
    trpc.conversation.list.queryOptions(
      { q: input.q, limit: 5 },
      { enabled: searching && open, placeholderData: keepPreviousData },
    ),
  );
  const hits = useInfiniteQuery(
    trpc.search.messages.infiniteQueryOptions(
      { ...input, limit: 30 },
      {
        enabled: searching && open,
        placeholderData: keepPreviousData,
        getNextPageParam: (page) => page.nextCursor ?? undefined,
      },
    ),
  );
  const groups = useMemo(() => groupHits(hits.data?.pages.flatMap((page) => page.items) ?? []), [hits.data]);
  const stale = hits.isPlaceholderData || titles.isPlaceholderData;
  const titleItems = searching ? (titles.data?.items ?? []) : [];
  const loading = searching && (hits.isPending || titles.isPending);
  const nothing = searching && !loading && !stale && titleItems.length === 0 && groups.length === 0;

  const close = () => onOpenChange(false);
  return (
    <Command.Dialog
      open={open}
      onOpenChange={onOpenChange}
      label="Search messages and conversations"
      shouldFilter={false}
      loop
      overlayClassName="palette-overlay"
      contentClassName="palette"
    >
      <div className="palette-top">
        <Command.Input
          value={text}
          onValueChange={setText}
          placeholder="Search every message: words, 中文, “a phrase”, -exclude"
          aria-label="Search"
          className="palette-input"
        />
        <fieldset className="palette-filters" aria-label="Filters">
          <label>
            Role
            <select value={role} onChange={(event) => setRole(event.target.value as MessageRole | '')}>
              <option value="">any</option>
              {ROLES.map((item) => (
                <option key={item} value={item}>
                  {item}
                </option>
              ))}
            </select>
          </label>
          <label>
            Tool
            <input value={tool} onChange={(event) => setTool(event.target.value)} placeholder="any" size={10} />
          </label>
          <label>
            From
            <input type="date" value={from} onChange={(event) => setFrom(event.target.value)} />
          </label>
          <label>
            To
            <input type="date" value={to} onChange={(event) => setTo(event.target.value)} />
          </label>
        </fieldset>
      </div>
      <Command.List
        className={`palette-list${stale ? ' stale' : ''}`}
        aria-busy={loading || stale}
        data-query={input.q}
      >
        {!searching ? (
          <div className="palette-hint">
            Type to search what your agents and you said, in every conversation. <kbd>↑</kbd> <kbd>↓</kbd> to move,{' '}
            <kbd>Enter</kbd> to open, <kbd>Esc</kbd> to close.
          </div>
        ) : null}
        {loading ? <Command.Loading>Searching…</Command.Loading> : null}
        {nothing ? (
          <Command.Empty>Nothing found for “{input.q}”. Try fewer words or other filters.</Command.Empty>
        ) : null}
        {titleItems.length > 0 ? (
          <Command.Group heading="Conversations">
            {titleItems.map((conversation) => (
              <Command.Item
                key={conversation.id}
                value={`c:${conversation.id}`}
                className="palette-conversation"
                data-conversation-id={conversation.id}
                onSelect={() => {
                  close();
                  onOpenConversation(conversation.id);
                }}
              >
                <span className="palette-title">{conversation.title ?? 'Untitled'}</span>
                <span className="muted">{conversation.messageCount.toLocaleString()} messages</span>
              </Command.Item>
            ))}
          </Command.Group>
        ) : null}
        {groups.map((group) => (
          <Command.Group key={group.conversationId} heading={group.title ?? 'Untitled'}>
            {group.hits.map((hit) => (
              <Command.Item
                key={hit.message.id}
                value={`m:${hit.message.id}`}
                className="palette-hit"
                data-hit-message-id={hit.message.id}
                onSelect={() => {
                  close();
                  onOpenMessage(hit.conversation.id, hit.message.id);
                }}
              >
                <span className="hit-meta">
                  <span className={`role-chip role-${hit.message.role}`}>{hit.message.role}</span>
                  {hit.matchedIn !== 'text' ? <span className="badge">{hit.matchedIn}</span> : null}
                  <time dateTime={hit.message.createdAt}>{new Date(hit.message.createdAt).toLocaleDateString()}</time>
                </span>
                <span className="snippet">{highlightSnippet(hit.snippet, hit.highlights)}</span>
              </Command.Item>
            ))}
          </Command.Group>
        ))}
        {hits.hasNextPage ? (
          <Command.Item value="more" onSelect={() => void hits.fetchNextPage()} className="palette-more">
            {hits.isFetchingNextPage ? 'Loading…' : 'More results'}
          </Command.Item>
        ) : null}
      </Command.List>
    </Command.Dialog>
  );
}
