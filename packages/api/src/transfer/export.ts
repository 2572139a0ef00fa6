import {
  deriveContent,
  isToolCallPart,
  type JsonValue,
  type MessagePart,
  type ReasoningPart,
  type TextPart,
  toolNameOf,
} from '@threadstore/shared';
import type { Database } from '@threadstore/shared/server';
import type { ExpressionBuilder, Kysely } from 'kysely';
import { isoTime } from './db.ts';
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

const PAGE = 500;

/** A conversation's external id: its client id when it has one, else its uuid. */
const conversationId = (eb: ExpressionBuilder<Database, 'conversations'>) =>
  eb.fn.coalesce('conversations.client_id', eb.cast<string>('conversations.uuid', 'text'));

function conversationPage(kysely: Kysely<Database>, scope: ExportScope, after: [string, string, string] | null) {
  return kysely
    .selectFrom('conversations')
    .select((eb) => [
      'uuid',
      conversationId(eb).as('id'),
      'user_id as userId',
      'title',
      isoTime(eb.ref('created_at')).as('createdAt'),
      isoTime(eb.ref('updated_at')).as('updatedAt'),
      'metadata',
      'pinned',
      isoTime(eb.ref('archived_at')).as('archivedAt'),
      isoTime(eb.ref('deleted_at')).as('deletedAt'),
      'tags',
      'version',
      isoTime(eb.ref('last_message_at')).as('lastMessageAt'),
      'message_seq as messageSeq',
    ])
    .where((eb) => {
      const conditions = [];
      if (scope.userId !== undefined) conditions.push(eb('user_id', '=', scope.userId));
      if (scope.conversationId !== undefined) conditions.push(eb(conversationId(eb), '=', scope.conversationId));
      if (scope.since !== undefined) {
        conditions.push(
          eb(
            eb.fn<string>('greatest', ['updated_at', 'last_message_at']),
            '>=',
            eb.cast<string>(eb.val(scope.since), 'timestamptz'),
          ),
        );
      }
      if (after) {
        conditions.push(
          eb(eb.refTuple(isoTime(eb.ref('created_at')), conversationId(eb), 'user_id'), '>', eb.tuple(...after)),
        );
      }
      return eb.and(conditions);
    })
    .orderBy((eb) => isoTime(eb.ref('created_at')))
    .orderBy((eb) => conversationId(eb))
    .orderBy('user_id')
    .limit(PAGE)
    .execute();
}

type ConversationRow = Awaited<ReturnType<typeof conversationPage>>[number];

/** The export's lines (without newlines), conversation by conversation: its row, messages, contexts, notes. */
export async function* exportRecords(
  kysely: Kysely<Database>,
  scope: ExportScope = {},
): AsyncGenerator<ConversationRecord | MessageRecord | ContextRecord | NoteRecord> {
  for (let after: [string, string, string] | null = scope.after ?? null; ; ) {
    const conversations = await conversationPage(kysely, scope, after);
    for (const c of conversations) {
      yield {
        type: 'conversation',
        id: c.id,
        userId: c.userId,
        title: c.title,
        createdAt: c.createdAt,
        updatedAt: c.updatedAt,
        // The column is jsonb: whatever JSON the conversation was given.
        metadata: c.metadata as JsonValue | null,
        pinned: c.pinned,
        archivedAt: c.archivedAt,
        deletedAt: c.deletedAt,
        tags: c.tags,
        version: c.version,
        lastMessageAt: c.lastMessageAt,
        messageSeq: Number(c.messageSeq),
      };
      yield* conversationRows(kysely, c);
    }
    const last = conversations.at(-1);
    if (!last || conversations.length < PAGE) return;
    after = [last.createdAt, last.id, last.userId];
  }
}

async function* conversationRows(kysely: Kysely<Database>, c: ConversationRow) {
  for (let seq = 0; ; ) {
    const messages = await kysely
      .selectFrom('messages')
      .select((eb) => [
        eb.fn.coalesce('client_id', eb.cast<string>('uuid', 'text')).as('id'),
        'role',
        'content',
        'parts',
        'attachments',
        'metadata',
        'status',
        isoTime(eb.ref('created_at')).as('createdAt'),
        isoTime(eb.ref('updated_at')).as('updatedAt'),
        'seq',
      ])
      .where('conversation_uuid', '=', c.uuid)
      .where('seq', '>', String(seq))
      .orderBy('seq')
      .limit(1000)
      .execute();
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
  const contexts = await kysely
    .selectFrom('contexts')
    .select((eb) => [
      'id',
      'action',
      'context_data as contextData',
      'metadata',
      isoTime(eb.ref('created_at')).as('createdAt'),
      isoTime(eb.ref('updated_at')).as('updatedAt'),
      'version',
    ])
    .where('session_id', '=', c.uuid)
    .where('user_id', '=', c.userId)
    .orderBy('action')
    .orderBy('id')
    .execute();
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
  const notes = await kysely
    .selectFrom('notes')
    .select((eb) => [
      'id',
      'action',
      'name',
      'context',
      'select_status as selectStatus',
      'metadata',
      isoTime(eb.ref('created_at')).as('createdAt'),
      isoTime(eb.ref('updated_at')).as('updatedAt'),
      'version',
    ])
    .where('session_id', '=', c.uuid)
    .where('user_id', '=', c.userId)
    .orderBy('name')
    .orderBy('id')
    .execute();
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
export async function* exportLines(kysely: Kysely<Database>, scope: ExportScope = {}): AsyncGenerator<string> {
  yield `${JSON.stringify(EXPORT_HEADER)}\n`;
  for await (const record of exportRecords(kysely, scope)) yield `${JSON.stringify(record)}\n`;
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
