import type { ContextDto, ConversationDto, MessageDto, MessagePart, NoteDto } from '@threadstore/shared';
import type { TrpcClient } from '../trpc.ts';

/** One conversation with everything kept for it, as the API returns it. */
export interface ConversationBundle {
  conversation: ConversationDto;
  messages: MessageDto[];
  contexts: ContextDto[];
  notes: NoteDto[];
}

/** The lossless export: the API's DTOs as they are, the format `threadstore import` reads. */
export interface ConversationsExport {
  format: 'threadstore.conversations';
  version: 1;
  exportedAt: string;
  conversations: ConversationBundle[];
}

async function allPages<T>(fetch: (cursor: string | undefined) => Promise<{ items: T[]; nextCursor: string | null }>) {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const page = await fetch(cursor);
    items.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return items;
}

export async function fetchBundle(client: TrpcClient, id: string): Promise<ConversationBundle> {
  const [conversation, messages, contexts, notes] = await Promise.all([
    client.conversation.get.query({ id }),
    allPages((cursor) => client.message.list.query({ conversationId: id, direction: 'newer', cursor, limit: 100 })),
    allPages((cursor) => client.context.list.query({ sessionId: id, cursor, limit: 100 })),
    allPages((cursor) => client.note.list.query({ sessionId: id, cursor, limit: 100 })),
  ]);
  return { conversation, messages, contexts, notes };
}

export function toJsonExport(bundles: ConversationBundle[], exportedAt = new Date()): ConversationsExport {
  return {
    format: 'threadstore.conversations',
    version: 1,
    exportedAt: exportedAt.toISOString(),
    conversations: bundles,
  };
}

const fence = (language: string, text: string) => {
  // A fence longer than any run of backticks inside, so the block cannot end early.
  const longest = Math.max(2, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const ticks = '`'.repeat(longest + 1);
  return `${ticks}${language}\n${text}\n${ticks}`;
};
const json = (value: unknown) => JSON.stringify(value, null, 2);

function partMarkdown(part: MessagePart): string | null {
  const record = part as Record<string, unknown>;
  const type = String(record.type);
  if (type === 'text') return String(record.text ?? '');
  if (type === 'reasoning') return `> *Reasoning:* ${String(record.text ?? '').replaceAll('\n', '\n> ')}`;
  if (type === 'step-start') return null;
  if (type.startsWith('tool-') || type === 'dynamic-tool') {
    const name = type === 'dynamic-tool' ? String(record.toolName) : type.slice('tool-'.length);
    const { type: _type, ...call } = record;
    return `**Tool call \`${name}\`** (${String(record.state ?? 'called')})\n\n${fence('json', json(call))}`;
  }
  if (type === 'source-url') return `Source: [${String(record.title ?? record.url)}](${String(record.url)})`;
  if (type === 'file') {
    const url = String(record.url ?? '');
    const shown = url.startsWith('data:') ? '(inline data)' : url;
    return `File: ${String(record.filename ?? record.mediaType)} ${shown}`;
  }
  return fence('json', json(part));
}

export function conversationMarkdown(bundle: ConversationBundle, formatTime: (date: Date) => string): string {
  const { conversation, messages } = bundle;
  const lines = [`# ${conversation.title ?? 'Untitled'}`, ''];
  lines.push(`- Conversation: \`${conversation.id}\``);
  lines.push(`- Created: ${formatTime(new Date(conversation.createdAt))}`);
  if (conversation.tags.length > 0) lines.push(`- Tags: ${conversation.tags.join(', ')}`);
  lines.push(`- Messages: ${messages.length}`, '');
  for (const message of messages) {
    lines.push(`## ${message.role} · ${formatTime(new Date(message.createdAt))}`, '');
    const parts = message.parts.map(partMarkdown).filter((text): text is string => text !== null && text !== '');
    lines.push(parts.length > 0 ? parts.join('\n\n') : (message.content ?? ''), '');
  }
  if (bundle.contexts.length > 0) {
    lines.push('## Contexts', '');
    for (const context of bundle.contexts)
      lines.push(`### ${context.action}`, '', fence('json', json(context.contextData)), '');
  }
  if (bundle.notes.length > 0) {
    lines.push('## Notes', '');
    for (const note of bundle.notes) {
      lines.push(
        `### ${note.name} (${note.action}${note.selectStatus !== 0 ? ', selected' : ''})`,
        '',
        note.context,
        '',
      );
    }
  }
  return lines.join('\n');
}

export function markdownExport(bundles: ConversationBundle[], formatTime: (date: Date) => string): string {
  return bundles.map((bundle) => conversationMarkdown(bundle, formatTime)).join('\n---\n\n');
}

export function download(filename: string, text: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

const stamp = (date: Date) => date.toISOString().slice(0, 19).replaceAll(':', '-');

export async function exportConversations(
  client: TrpcClient,
  ids: readonly string[],
  format: 'markdown' | 'json',
  formatTime: (date: Date) => string,
): Promise<void> {
  const bundles: ConversationBundle[] = [];
  // One at a time: a bundle is up to a few hundred requests for a long thread.
  for (const id of ids) bundles.push(await fetchBundle(client, id));
  const name = ids.length === 1 ? `conversation-${ids[0]}` : `conversations-${stamp(new Date())}`;
  if (format === 'json') download(`${name}.json`, json(toJsonExport(bundles)), 'application/json');
  else download(`${name}.md`, markdownExport(bundles, formatTime), 'text/markdown');
}
