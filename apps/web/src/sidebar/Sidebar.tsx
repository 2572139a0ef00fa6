import { useInfiniteQuery } from '@tanstack/react-query';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { ConversationDto } from '@threadstore/shared';
import { type KeyboardEvent, type MouseEvent, useEffect, useMemo, useRef, useState } from 'react';
import { toast } from 'sonner';
import { ConfirmDialog } from '../manage/ConfirmDialog.tsx';
import { ConversationMenu, type MenuAction, type MenuState } from '../manage/ConversationMenu.tsx';
import { exportConversations } from '../manage/export.ts';
import { useConversationActions } from '../manage/useConversationActions.ts';
import { formatDateTime, hour12, usePrefs } from '../shell/prefs.ts';
import { useDebounced } from '../shell/use-debounced.ts';
import { errorMessage, useTRPC, useTRPCClient } from '../trpc.ts';
import { formatActivity, groupConversations, lastActivity } from './grouping.ts';
import {
  clickSelect,
  emptySelection,
  extendSelection,
  type Selection,
  selectAll,
  selectedInOrder,
} from './selection.ts';

export type SidebarView = 'all' | 'archived' | 'trash';
const VIEWS: { id: SidebarView; label: string }[] = [
  { id: 'all', label: 'Chats' },
  { id: 'archived', label: 'Archived' },
  { id: 'trash', label: 'Trash' },
];
const HEADER_HEIGHT = 30;
const ROW_HEIGHT = 54;
const COMPACT_ROW_HEIGHT = 40;

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

const isMac = () => /Mac|iPhone|iPad/.test(navigator.platform);

type ListInput = { archived?: boolean; trashed?: boolean };
const viewOf = (input: ListInput | undefined): SidebarView | undefined =>
  input === undefined ? undefined : input.trashed ? 'trash' : input.archived ? 'archived' : 'all';

export function Sidebar({ activeId, onOpen, onCount }: SidebarProps) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const actions = useConversationActions();
  const prefs = usePrefs();
  const [view, setView] = useState<SidebarView>('all');
  const [filter, setFilter] = useState('');
  const [tag, setTag] = useState('');
  const q = useDebounced(filter.trim(), 150);
  const tagFilter = useDebounced(tag.trim(), 150);
  const list = useInfiniteQuery(
    trpc.conversation.list.infiniteQueryOptions(
      {
        limit: 100,
        archived: view === 'archived',
        trashed: view === 'trash',
        q: q || undefined,
        tag: tagFilter || undefined,
      },
      {
        getNextPageParam: (page) => page.nextCursor ?? undefined,
        // While a new filter text loads the old results stay; another view (Trash after Chats) starts empty, so
        // the rows shown under a tab are always that tab's.
        placeholderData: (previous, previousQuery) =>
          viewOf(previousQuery?.queryKey[1]?.input as ListInput | undefined) === view ? previous : undefined,
      },
    ),
  );
  const conversations = useMemo(() => list.data?.pages.flatMap((page) => page.items) ?? [], [list.data]);
  // The date groups are fixed for the page's life: a conversation does not jump groups while you scroll.
  const [now] = useState(() => new Date());
  const rows = useMemo(() => groupConversations(conversations, now), [conversations, now]);
  const order = useMemo(() => conversations.map((conversation) => conversation.id), [conversations]);
  const byId = useMemo(
    () => new Map(conversations.map((conversation) => [conversation.id, conversation])),
    [conversations],
  );
  useEffect(() => onCount?.(conversations.length, list.hasNextPage), [conversations.length, list.hasNextPage, onCount]);

  const rowHeight = prefs.density === 'compact' ? COMPACT_ROW_HEIGHT : ROW_HEIGHT;
  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: (index) => (rows[index]?.kind === 'header' ? HEADER_HEIGHT : rowHeight),
    overscan: 12,
    getItemKey: (index) => rows[index]?.key ?? index,
  });
  // biome-ignore lint/correctness/useExhaustiveDependencies: a density change makes the sizes measured so far wrong
  useEffect(() => virtualizer.measure(), [virtualizer, rowHeight]);
  const virtualItems = virtualizer.getVirtualItems();
  const lastVisible = virtualItems.at(-1)?.index ?? 0;
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = list;
  useEffect(() => {
    if (lastVisible > rows.length - 30 && hasNextPage && !isFetchingNextPage) void fetchNextPage();
  }, [lastVisible, rows.length, hasNextPage, isFetchingNextPage, fetchNextPage]);

  const [selection, setSelection] = useState<Selection>(emptySelection);
  const [renaming, setRenaming] = useState<string | undefined>();
  const [menu, setMenu] = useState<MenuState | null>(null);
  const [confirmPurge, setConfirmPurge] = useState<ConversationDto[] | null>(null);
  const selected = useMemo(
    () => selectedInOrder(selection, order).map((id) => byId.get(id) as ConversationDto),
    [selection, order, byId],
  );

  // Keyboard focus moves through conversations only (headers are skipped); Enter opens.
  const [focusedId, setFocusedId] = useState<string | undefined>();
  const current = focusedId ?? activeId;
  const scrollTo = (id: string | undefined) => {
    const index = rows.findIndex((row) => row.key === id);
    if (index >= 0) virtualizer.scrollToIndex(index, { align: 'auto' });
  };
  const move = (delta: number) => {
    if (order.length === 0) return;
    const at = current === undefined ? -1 : order.indexOf(current);
    const next = order[Math.min(order.length - 1, Math.max(0, at === -1 ? 0 : at + delta))];
    setFocusedId(next);
    scrollTo(next);
  };
  /** What an action from the keyboard or the menu applies to: the selection when the row is in it. */
  const targetsOf = (id: string | undefined): ConversationDto[] => {
    if (id && selection.ids.has(id) && selected.length > 0) return selected;
    const one = id ? byId.get(id) : undefined;
    return one ? [one] : [];
  };

  const run = async (action: MenuAction, targets: ConversationDto[]) => {
    setMenu(null);
    const first = targets[0];
    if (!first) return;
    switch (action) {
      case 'open':
        onOpen(first);
        break;
      case 'rename':
        setRenaming(first.id);
        break;
      case 'pin':
      case 'unpin':
        await actions.updateMany(targets, { pinned: action === 'pin' });
        break;
      case 'archive':
      case 'unarchive':
        await actions.updateMany(targets, { archived: action === 'archive' });
        setSelection(emptySelection);
        break;
      case 'delete':
        await actions.remove(targets);
        setSelection(emptySelection);
        break;
      case 'restore':
        await actions.restore(targets.map((conversation) => conversation.id));
        setSelection(emptySelection);
        break;
      case 'purge':
        setConfirmPurge(targets);
        break;
      case 'export-markdown':
      case 'export-json':
        try {
          await exportConversations(
            client,
            targets.map((conversation) => conversation.id),
            action === 'export-json' ? 'json' : 'markdown',
            formatDateTime,
          );
        } catch (error) {
          toast.error(`Export failed: ${errorMessage(error)}`);
        }
        break;
    }
  };

  const onKeyDown = (event: KeyboardEvent) => {
    const mod = isMac() ? event.metaKey : event.ctrlKey;
    if (renaming) return;
    if (event.shiftKey && (event.key === 'ArrowDown' || event.key === 'ArrowUp')) {
      const next = extendSelection(selection, order, current, event.key === 'ArrowDown' ? 1 : -1);
      setSelection(next.selection);
      setFocusedId(next.focused);
      scrollTo(next.focused);
      event.preventDefault();
      return;
    }
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
        move(-order.length);
        break;
      case 'End':
        move(order.length);
        break;
      case 'Enter': {
        const conversation = current ? byId.get(current) : undefined;
        if (conversation) onOpen(conversation);
        break;
      }
      case 'F2':
        if (current && view !== 'trash') setRenaming(current);
        break;
      case 'Delete':
      case 'Backspace':
        void run(view === 'trash' ? 'purge' : 'delete', targetsOf(current));
        break;
      case 'Escape':
        setSelection(emptySelection);
        break;
      case ' ':
        if (current) setSelection(clickSelect(selection, order, current, { toggle: true }));
        break;
      case 'ContextMenu':
      case 'F10': {
        if (event.key === 'F10' && !event.shiftKey) return;
        const element = current ? document.getElementById(`conv-${current}`) : null;
        if (current && element) {
          const box = element.getBoundingClientRect();
          setMenu({ id: current, x: box.left + 24, y: box.bottom - 8 });
        }
        break;
      }
      default:
        if (mod && event.key.toLowerCase() === 'a') {
          setSelection(selectAll(order));
          break;
        }
        return;
    }
    event.preventDefault();
  };

  const onRowClick = (event: MouseEvent, conversation: ConversationDto) => {
    const toggle = isMac() ? event.metaKey : event.ctrlKey;
    setFocusedId(conversation.id);
    // The keys go to the listbox, not to a row that scrolling may take out of the DOM.
    scrollRef.current?.focus({ preventScroll: true });
    if (toggle || event.shiftKey) {
      setSelection(clickSelect(selection, order, conversation.id, { shift: event.shiftKey, toggle }));
      return;
    }
    setSelection(clickSelect(selection, order, conversation.id, {}));
    onOpen(conversation);
  };

  const menuTargets = menu ? targetsOf(menu.id) : [];

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
              onClick={() => {
                setView(item.id);
                setSelection(emptySelection);
                setMenu(null);
              }}
            >
              {item.label}
            </button>
          ))}
        </div>
        <div className="filters">
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
          <input
            className="filter tag-filter"
            type="search"
            placeholder="# tag"
            aria-label="Filter conversations by tag"
            value={tag}
            onChange={(event) => setTag(event.target.value)}
          />
        </div>
      </div>
      {selected.length > 1 ? (
        <div className="bulk-bar" role="toolbar" aria-label="Selected conversations">
          <span className="bulk-count">{selected.length} selected</span>
          <button
            type="button"
            className="link-button bulk-clear"
            onClick={() => setSelection(emptySelection)}
            aria-label="Clear selection"
          >
            ×
          </button>
          <div className="bulk-actions">
            {view === 'trash' ? (
              <>
                <button type="button" onClick={() => void run('restore', selected)}>
                  Restore
                </button>
                <button type="button" className="danger" onClick={() => void run('purge', selected)}>
                  Purge
                </button>
              </>
            ) : (
              <>
                <button type="button" onClick={() => void run('pin', selected)}>
                  Pin
                </button>
                <button type="button" onClick={() => void run(view === 'archived' ? 'unarchive' : 'archive', selected)}>
                  {view === 'archived' ? 'Unarchive' : 'Archive'}
                </button>
                <button type="button" onClick={() => void run('export-markdown', selected)}>
                  Export .md
                </button>
                <button type="button" onClick={() => void run('export-json', selected)}>
                  Export .json
                </button>
                <button type="button" className="danger" onClick={() => void run('delete', selected)}>
                  Delete
                </button>
              </>
            )}
          </div>
        </div>
      ) : null}
      {list.isPending ? (
        <div className="sidebar-skeleton" role="status" aria-busy="true" aria-label="Loading conversations">
          {Array.from({ length: 8 }, (_, index) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: placeholders without identity
            <div key={index} className="skeleton-row" />
          ))}
        </div>
      ) : null}
      {list.isSuccess && conversations.length === 0 ? (
        <p className="empty-state small">
          {q || tagFilter ? 'Nothing matches these filters. Try fewer words or another tag.' : EMPTY_TEXT[view]}
        </p>
      ) : null}
      <div
        ref={scrollRef}
        className="sidebar-scroll"
        role="listbox"
        aria-multiselectable="true"
        aria-label={VIEWS.find((item) => item.id === view)?.label}
        aria-activedescendant={current && byId.has(current) ? `conv-${current}` : undefined}
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
            const isSelected = selection.ids.has(conversation.id);
            return (
              // biome-ignore lint/a11y/useKeyWithClickEvents: the listbox takes the keys (arrows, Enter) for its options
              <div
                key={item.key}
                id={`conv-${conversation.id}`}
                role="option"
                tabIndex={-1}
                aria-selected={conversation.id === activeId || isSelected}
                data-conversation-id={conversation.id}
                data-selected={isSelected || undefined}
                className={`conversation-row${conversation.id === activeId ? ' active' : ''}${
                  conversation.id === current ? ' focused' : ''
                }${isSelected && selected.length > 1 ? ' selected' : ''}`}
                style={style}
                onClick={(event) => onRowClick(event, conversation)}
                onContextMenu={(event) => {
                  event.preventDefault();
                  setFocusedId(conversation.id);
                  if (!selection.ids.has(conversation.id))
                    setSelection(clickSelect(selection, order, conversation.id, {}));
                  setMenu({ id: conversation.id, x: event.clientX, y: event.clientY });
                }}
              >
                {renaming === conversation.id ? (
                  <RenameInput
                    conversation={conversation}
                    onDone={(title) => {
                      setRenaming(undefined);
                      scrollRef.current?.focus();
                      if (title !== null && title !== (conversation.title ?? '')) {
                        void actions.update(conversation, { title: title || null });
                      }
                    }}
                  />
                ) : (
                  <span className="conversation-title">
                    {conversation.pinned ? <PinIcon /> : null}
                    {conversation.title ?? 'Untitled'}
                  </span>
                )}
                <span className="conversation-meta">
                  {view === 'trash' && conversation.deletedAt ? (
                    <time dateTime={conversation.deletedAt}>
                      deleted{' '}
                      {formatActivity(new Date(conversation.deletedAt), now, undefined, hour12(prefs.timeFormat))}
                    </time>
                  ) : (
                    <time dateTime={lastActivity(conversation).toISOString()}>
                      {formatActivity(lastActivity(conversation), now, undefined, hour12(prefs.timeFormat))}
                    </time>
                  )}
                  <span>{conversation.messageCount.toLocaleString()} msgs</span>
                  {conversation.tags.slice(0, 3).map((item) => (
                    <span key={item} className="tag small">
                      {item}
                    </span>
                  ))}
                </span>
                <button
                  type="button"
                  className="row-menu-button"
                  aria-label={`Actions for ${conversation.title ?? 'Untitled'}`}
                  tabIndex={-1}
                  onClick={(event) => {
                    event.stopPropagation();
                    const box = event.currentTarget.getBoundingClientRect();
                    setMenu({ id: conversation.id, x: box.left, y: box.bottom });
                  }}
                >
                  ⋯
                </button>
              </div>
            );
          })}
        </div>
        {isFetchingNextPage ? <div className="page-loading">Loading more…</div> : null}
      </div>
      {menu && menuTargets.length > 0 ? (
        <ConversationMenu
          menu={menu}
          targets={menuTargets}
          view={view}
          onAction={(action) => void run(action, menuTargets)}
          onClose={() => {
            setMenu(null);
            scrollRef.current?.focus();
          }}
        />
      ) : null}
      {confirmPurge ? (
        <ConfirmDialog
          title={confirmPurge.length === 1 ? 'Purge this conversation?' : `Purge ${confirmPurge.length} conversations?`}
          body="Purged conversations are gone for good, with their messages, contexts and notes. This cannot be undone."
          confirmLabel="Purge"
          onCancel={() => setConfirmPurge(null)}
          onConfirm={() => {
            const ids = confirmPurge.map((conversation) => conversation.id);
            setConfirmPurge(null);
            setSelection(emptySelection);
            void actions.purge(ids);
          }}
        />
      ) : null}
    </nav>
  );
}

function RenameInput({ conversation, onDone }: { conversation: ConversationDto; onDone(title: string | null): void }) {
  const [text, setText] = useState(conversation.title ?? '');
  const done = useRef(false);
  const finish = (title: string | null) => {
    if (done.current) return;
    done.current = true;
    onDone(title);
  };
  return (
    <input
      className="rename-input"
      aria-label="New title"
      // biome-ignore lint/a11y/noAutofocus: F2 means "type the new title now"
      autoFocus
      maxLength={500}
      value={text}
      onClick={(event) => event.stopPropagation()}
      onFocus={(event) => event.currentTarget.select()}
      onChange={(event) => setText(event.target.value)}
      onBlur={() => finish(text.trim())}
      onKeyDown={(event) => {
        event.stopPropagation();
        if (event.key === 'Enter') finish(text.trim());
        if (event.key === 'Escape') finish(null);
      }}
    />
  );
}
