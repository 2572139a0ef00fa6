import { useQuery } from '@tanstack/react-query';
import type { MessagePart } from '@threadstore/shared';
import { useEffect } from 'react';
import { formatDateTime } from '../shell/prefs.ts';
import { errorMessage, useTRPCClient } from '../trpc.ts';
import { fetchBundle } from './export.ts';

function PrintPart({ part }: { part: MessagePart }) {
  const record = part as Record<string, unknown>;
  const type = String(record.type);
  if (type === 'text') return <p className="print-text">{String(record.text ?? '')}</p>;
  if (type === 'step-start') return null;
  if (type === 'reasoning') return <blockquote className="print-text">{String(record.text ?? '')}</blockquote>;
  const name =
    type === 'dynamic-tool'
      ? `tool ${String(record.toolName)}`
      : type.startsWith('tool-')
        ? `tool ${type.slice(5)}`
        : type;
  return (
    <figure className="print-tool">
      <figcaption>{name}</figcaption>
      <pre>{JSON.stringify(part, null, 2)}</pre>
    </figure>
  );
}

/** The whole conversation on plain pages, for the browser's print dialog: no panes, no virtual scrolling. */
export function PrintView({ conversationId }: { conversationId: string }) {
  const client = useTRPCClient();
  const bundle = useQuery({ queryKey: ['print', conversationId], queryFn: () => fetchBundle(client, conversationId) });
  useEffect(() => {
    if (bundle.data) document.title = `${bundle.data.conversation.title ?? 'Untitled'} – threadstore`;
  }, [bundle.data]);
  if (bundle.isError) return <p role="alert">{errorMessage(bundle.error)}</p>;
  if (!bundle.data) return <p role="status">Loading the whole conversation…</p>;
  const { conversation, messages } = bundle.data;
  return (
    <article className="print-view" data-print-ready>
      <header>
        <h1>{conversation.title ?? 'Untitled'}</h1>
        <p className="muted">
          {messages.length.toLocaleString()} messages · created {formatDateTime(new Date(conversation.createdAt))}
          {conversation.tags.length > 0 ? ` · ${conversation.tags.join(', ')}` : ''}
        </p>
        <button type="button" className="no-print" onClick={() => window.print()}>
          Print
        </button>
      </header>
      {messages.map((message) => (
        <section key={message.id} className={`print-message role-${message.role}`} data-message-id={message.id}>
          <h2>
            {message.role} <time dateTime={message.createdAt}>{formatDateTime(new Date(message.createdAt))}</time>
          </h2>
          {message.parts.length > 0 ? (
            message.parts.map((part, index) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: parts have no id of their own and never move
              <PrintPart key={index} part={part} />
            ))
          ) : (
            <p className="print-text">{message.content}</p>
          )}
        </section>
      ))}
    </article>
  );
}
