import type { MessageDto } from '@threadstore/shared';
import { memo } from 'react';
import { toast } from 'sonner';
import { formatDateTime } from '../shell/prefs.ts';
import { PartView } from './parts.tsx';

const ROLE_LABELS: Record<string, string> = { user: 'You', assistant: 'Assistant', system: 'System', tool: 'Tool' };

/** What "copy" puts on the clipboard: the text when there is any, otherwise the parts as JSON. */
export function copyText(message: MessageDto): string {
  return message.content?.trim() ? message.content : JSON.stringify(message.parts, null, 2);
}

async function copy(message: MessageDto) {
  try {
    await navigator.clipboard.writeText(copyText(message));
    toast.success('Message copied');
  } catch {
    toast.error('The browser refused access to the clipboard');
  }
}

function MessageViewBase({ message, highlighted }: { message: MessageDto; highlighted: boolean }) {
  const created = new Date(message.createdAt);
  return (
    <article
      className={`message role-${message.role}${highlighted ? ' highlighted' : ''}`}
      data-message-id={message.id}
      aria-label={`${ROLE_LABELS[message.role] ?? message.role}, ${created.toLocaleString()}`}
    >
      <header>
        <span className="role">{ROLE_LABELS[message.role] ?? message.role}</span>
        <time dateTime={message.createdAt} title={created.toLocaleString()}>
          {formatDateTime(created)}
        </time>
        {message.status !== 'complete' ? (
          <span className={`badge status-${message.status}`} data-status={message.status}>
            {message.status === 'streaming' ? 'streaming…' : message.status}
          </span>
        ) : null}
        <button type="button" className="icon-button copy" onClick={() => copy(message)} aria-label="Copy message">
          Copy
        </button>
      </header>
      <div className="parts">
        {message.parts.length === 0 && message.content ? <p>{message.content}</p> : null}
        {message.parts.map((part, index) => (
          // Parts have no ids; their position in a message is stable.
          // biome-ignore lint/suspicious/noArrayIndexKey: a part's index is its identity within the message
          <PartView key={index} part={part} />
        ))}
      </div>
    </article>
  );
}

export const MessageView = memo(MessageViewBase);
