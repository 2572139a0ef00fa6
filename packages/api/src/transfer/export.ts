import {
  deriveContent,
  isToolCallPart,
  type MessagePart,
  type ReasoningPart,
  type TextPart,
  toolNameOf,
} from '@threadstore/shared';
import type { Sql } from './db.ts';
import type { ContextRecord, ConversationRecord, MessageRecord, NoteRecord } from './records.ts';

/** What to export: everything, one user's, or one conversation of one user's; `since` keeps conversations active since then. */
export interface ExportScope {
  userId?: string;
  conversationId?: string;
  since?: string;
  /** Start after this conversation (its createdAt, id and userId as exported): how a paged export goes on. */
  after?: [string, string, string];
}

/** The first line of a threadstore export. It carries no time of its own, so exports of the same data are the same bytes. */
export const EXPORT_HEADER = { type: 'threadstore', version: 1 } as const;

// Times with their microseconds, as PostgreSQL keeps them: an export loses nothing.
const time = (column: string) => `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
const PAGE = 500;

type ConversationRow = ConversationRecord & { uuid: string };

async function conversationPage(sql: Sql, scope: ExportScope, after: [string, string, string] | null) {
  const where: string[] = [];
  const params: unknown[] = [];
  if (scope.userId !== undefined) {
    where.push('c.user_id = ?');
    params.push(scope.userId);
  }
  if (scope.conversationId !== undefined) {
    where.push('coalesce(c.client_id, c.uuid::text) = ?');
    params.push(scope.conversationId);
  }
  if (scope.since !== undefined) {
    where.push('greatest(c.updated_at, c.last_message_at) >= ?::timestamptz');
    params.push(scope.since);
  }
  if (after) {
    where.push(`(${time('c.created_at')}, coalesce(c.client_id, c.uuid::text), c.user_id) > (?, ?, ?)`);
    params.push(...after);
  }
  return sql.query<ConversationRow>(
    `select c.uuid, coalesce(c.client_id, c.uuid::text) as id, c.user_id as "userId", c.title,
            ${time('c.created_at')} as "createdAt", ${time('c.updated_at')} as "updatedAt", c.metadata, c.pinned,
            ${time('c.archived_at')} as "archivedAt", ${time('c.deleted_at')} as "deletedAt", c.tags, c.version,
            ${time('c.last_message_at')} as "lastMessageAt", c.message_seq as "messageSeq"
       from conversations c ${where.length > 0 ? `where ${where.join(' and ')}` : ''}
      order by ${time('c.created_at')}, coalesce(c.client_id, c.uuid::text), c.user_id limit ${PAGE}`,
    params,
  );
}

/** The export's lines (without newlines), conversation by conversation: its row, messages, contexts, notes. */
export async function* exportRecords(
  sql: Sql,
  scope: ExportScope = {},
): AsyncGenerator<ConversationRecord | MessageRecord | ContextRecord | NoteRecord> {
  for (let after: [string, string, string] | null = scope.after ?? null; ; ) {
    const conversations = await conversationPage(sql, scope, after);
    for (const c of conversations) {
      yield {
        type: 'conversation',
        id: c.id,
        userId: c.userId,
        title: c.title,
        createdAt: c.createdAt,
        updatedAt: c.updatedAt,
        metadata: c.metadata,
        pinned: c.pinned,
        archivedAt: c.archivedAt,
        deletedAt: c.deletedAt,
        tags: c.tags,
        version: c.version,
        lastMessageAt: c.lastMessageAt,
        messageSeq: Number(c.messageSeq),
      };
      yield* conversationRows(sql, c);
    }
    const last = conversations.at(-1);
    if (!last || conversations.length < PAGE) return;
    after = [last.createdAt, last.id, last.userId];
  }
}

async function* conversationRows(sql: Sql, c: ConversationRow) {
  for (let seq = 0; ; ) {
    const messages = await sql.query<MessageRecord & { seq: string }>(
      `select coalesce(m.client_id, m.uuid::text) as id, m.role, m.content, m.parts, m.attachments, m.metadata, m.status,
              ${time('m.created_at')} as "createdAt", ${time('m.updated_at')} as "updatedAt", m.seq
         from messages m where m.conversation_uuid = ? and m.seq > ? order by m.seq limit 1000`,
      [c.uuid, seq],
    );
    for (const m of messages) {
      yield {
        type: 'message' as const,
        id: m.id,
        conversationId: c.id,
        userId: c.userId,
        role: m.role,
        content: m.content,
        parts: m.parts,
        attachments: m.attachments,
        metadata: m.metadata,
        status: m.status,
        createdAt: m.createdAt,
        updatedAt: m.updatedAt,
        seq: Number(m.seq),
      };
    }
    if (messages.length < 1000) break;
    seq = Number(messages.at(-1)?.seq);
  }
  const contexts = await sql.query<ContextRecord>(
    `select id, action, context_data as "contextData", metadata, ${time('created_at')} as "createdAt",
            ${time('updated_at')} as "updatedAt", version
       from contexts where session_id = ? and user_id = ? order by action, id`,
    [c.uuid, c.userId],
  );
  for (const x of contexts) {
    yield {
      type: 'context' as const,
      id: x.id,
      userId: c.userId,
      sessionId: c.id,
      action: x.action,
      contextData: x.contextData,
      metadata: x.metadata,
      createdAt: x.createdAt,
      updatedAt: x.updatedAt,
      version: x.version,
    };
  }
  const notes = await sql.query<NoteRecord>(
    `select id, action, name, context, select_status as "selectStatus", metadata, ${time('created_at')} as "createdAt",
            ${time('updated_at')} as "updatedAt", version
       from notes where session_id = ? and user_id = ? order by name, id`,
    [c.uuid, c.userId],
  );
  for (const n of notes) {
    yield {
      type: 'note' as const,
      id: n.id,
      userId: c.userId,
      sessionId: c.id,
      action: n.action,
      name: n.name,
      context: n.context,
      selectStatus: n.selectStatus,
      metadata: n.metadata,
      createdAt: n.createdAt,
      updatedAt: n.updatedAt,
      version: n.version,
    };
  }
}

/** The export as JSON Lines text, header first. */
export async function* exportLines(sql: Sql, scope: ExportScope = {}): AsyncGenerator<string> {
  yield `${JSON.stringify(EXPORT_HEADER)}\n`;
  for await (const record of exportRecords(sql, scope)) yield `${JSON.stringify(record)}\n`;
}

const fence = (value: unknown) => `\n\`\`\`json\n${JSON.stringify(value, null, 2)}\n\`\`\`\n`;

function partMarkdown(part: MessagePart): string {
  if (part.type === 'text') return (part as TextPart).text;
  if (part.type === 'reasoning') return `> ${(part as ReasoningPart).text}`;
  if (isToolCallPart(part)) {
    const call = part as { input?: unknown; output?: unknown; errorText?: string; state: string; toolCallId: string };
    return `**tool ${toolNameOf(part)}** (${call.toolCallId}, ${call.state})${call.input !== undefined ? `\n\ninput:${fence(call.input)}` : ''}${call.output !== undefined ? `\noutput:${fence(call.output)}` : ''}${call.errorText ? `\nerror: ${call.errorText}` : ''}`;
  }
  return `_${part.type}_${fence(part)}`;
}

/** One conversation as a readable Markdown file: the title, then each message under its role and time. */
export function conversationMarkdown(c: ConversationRecord, messages: readonly MessageRecord[]): string {
  const head = `# ${c.title ?? 'Untitled conversation'}\n\n- id: ${c.id}\n- user: ${c.userId}\n- created: ${c.createdAt}\n${c.tags.length > 0 ? `- tags: ${c.tags.join(', ')}\n` : ''}`;
  const body = messages.map((m) => {
    const text = m.parts.length > 0 ? m.parts.map(partMarkdown).join('\n\n') : (m.content ?? deriveContent(m.parts));
    return `## ${m.role} · ${m.createdAt}\n\n${text}\n`;
  });
  return [head, ...body].join('\n');
}
