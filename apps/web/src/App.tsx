import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import type { MessageDto } from '@threadstore/shared';
import { useState } from 'react';
import { useTRPC } from './trpc.ts';

function MessageView({ message }: { message: MessageDto }) {
  return (
    <article className={`message ${message.role}`}>
      <header>
        {message.role} · {new Date(message.createdAt).toLocaleString()}
        {message.status !== 'complete' ? ` · ${message.status}` : ''}
      </header>
      {message.parts.map((part, index) => {
        const key = `${message.id}-${index}`;
        if (part.type === 'text' && 'text' in part) return <p key={key}>{String(part.text)}</p>;
        if ('toolCallId' in part) {
          return (
            <details key={key} className="tool">
              <summary>
                {part.type} · {String(part.state ?? '')}
              </summary>
              <pre>{JSON.stringify(part, null, 2)}</pre>
            </details>
          );
        }
        return (
          <pre key={key} className="part">
            {JSON.stringify(part, null, 2)}
          </pre>
        );
      })}
    </article>
  );
}

function Thread({ conversationId }: { conversationId: string }) {
  const trpc = useTRPC();
  const messages = useInfiniteQuery(
    trpc.message.list.infiniteQueryOptions(
      { conversationId, direction: 'older', limit: 50 },
      { getNextPageParam: (page) => page.nextCursor ?? undefined },
    ),
  );
  if (messages.isPending) return <p className="muted">Loading…</p>;
  if (messages.isError) return <p className="error">{messages.error.message}</p>;
  const items = [...messages.data.pages].reverse().flatMap((page) => page.items);
  return (
    <section className="thread">
      {messages.hasNextPage ? (
        <button type="button" onClick={() => messages.fetchNextPage()}>
          Load older messages
        </button>
      ) : null}
      {items.map((message) => (
        <MessageView key={message.id} message={message} />
      ))}
    </section>
  );
}

export function App() {
  const trpc = useTRPC();
  const [selected, setSelected] = useState<string | null>(null);
  const conversations = useQuery(trpc.conversation.list.queryOptions({ limit: 100 }));
  return (
    <div className="layout">
      <nav className="sidebar">
        <h1>threadstore</h1>
        {conversations.isError ? <p className="error">{conversations.error.message}</p> : null}
        {conversations.data?.items.length === 0 ? <p className="muted">No conversations yet.</p> : null}
        <ul>
          {conversations.data?.items.map((conversation) => (
            <li key={conversation.id}>
              <button
                type="button"
                className={conversation.id === selected ? 'active' : ''}
                onClick={() => setSelected(conversation.id)}
              >
                {conversation.title ?? 'Untitled'}
                <small>{conversation.messageCount} messages</small>
              </button>
            </li>
          ))}
        </ul>
      </nav>
      <main>{selected ? <Thread conversationId={selected} /> : <p className="muted">Pick a conversation.</p>}</main>
    </div>
  );
}
