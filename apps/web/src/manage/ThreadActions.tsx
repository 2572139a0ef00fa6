import type { ConversationDto } from '@threadstore/shared';
import { useState } from 'react';
import { toast } from 'sonner';
import { formatDateTime } from '../shell/prefs.ts';
import { errorMessage, useTRPCClient } from '../trpc.ts';
import { exportConversations } from './export.ts';
import { useConversationActions } from './useConversationActions.ts';

/** The open conversation's title (click or F2 to rename) and its actions, in the thread header. */
export function ThreadTitle({ conversation }: { conversation: ConversationDto }) {
  const actions = useConversationActions();
  const [editing, setEditing] = useState<string | null>(null);
  const finish = (title: string | null) => {
    setEditing(null);
    if (title !== null && title !== (conversation.title ?? ''))
      void actions.update(conversation, { title: title || null });
  };
  if (editing !== null) {
    return (
      <input
        className="thread-title-input"
        aria-label="Conversation title"
        // biome-ignore lint/a11y/noAutofocus: the user asked to rename
        autoFocus
        maxLength={500}
        value={editing}
        onChange={(event) => setEditing(event.target.value)}
        onBlur={() => finish(editing.trim())}
        onKeyDown={(event) => {
          if (event.key === 'Enter') finish(editing.trim());
          if (event.key === 'Escape') setEditing(null);
        }}
      />
    );
  }
  return (
    <h2 className="thread-title">
      <button
        type="button"
        className="title-button"
        title="Rename (F2)"
        onClick={() => setEditing(conversation.title ?? '')}
        onKeyDown={(event) => {
          if (event.key === 'F2') setEditing(conversation.title ?? '');
        }}
      >
        {conversation.title ?? 'Untitled'}
      </button>
    </h2>
  );
}

export function ThreadActions({ conversation }: { conversation: ConversationDto }) {
  const actions = useConversationActions();
  const client = useTRPCClient();
  const exportAs = (format: 'markdown' | 'json') =>
    exportConversations(client, [conversation.id], format, formatDateTime).catch((error) =>
      toast.error(`Export failed: ${errorMessage(error)}`),
    );
  if (conversation.deletedAt) {
    return (
      <div className="thread-actions">
        <button type="button" onClick={() => void actions.restore([conversation.id])}>
          Restore
        </button>
      </div>
    );
  }
  return (
    <div className="thread-actions" role="toolbar" aria-label="Conversation actions">
      <button
        type="button"
        aria-pressed={conversation.pinned}
        onClick={() => void actions.update(conversation, { pinned: !conversation.pinned })}
      >
        {conversation.pinned ? 'Unpin' : 'Pin'}
      </button>
      <button type="button" onClick={() => void actions.update(conversation, { archived: !conversation.archivedAt })}>
        {conversation.archivedAt ? 'Unarchive' : 'Archive'}
      </button>
      <button type="button" onClick={() => void exportAs('markdown')}>
        Export .md
      </button>
      <button type="button" onClick={() => void exportAs('json')}>
        Export .json
      </button>
      <a className="button" href={`/c/${encodeURIComponent(conversation.id)}/print`} target="_blank" rel="noreferrer">
        Print
      </a>
      <button type="button" className="danger" onClick={() => void actions.remove([conversation])}>
        Delete
      </button>
    </div>
  );
}
