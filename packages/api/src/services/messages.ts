import type { EntityManager } from '@mikro-orm/postgresql';
import {
  deriveContent,
  isToolCallPart,
  isToolStateAdvance,
  type MessageBody,
  type MessageDto,
  type MessagePart,
  type MessageStatus,
  type messageAppendPartsInput,
  type messageAroundInput,
  type messageFinishInput,
  type messageListInput,
  messageParts,
  type messageRecentInput,
  messageSearchDocument,
  type messageStartInput,
  type messageUpdateInput,
  titleSearchDocument,
} from '@threadstore/shared';
import type { z } from 'zod';
import { decodeCursor, encodeCursor } from '../cursor.ts';
import { badRequest, conflict, notFound } from '../errors.ts';
import { query, queryOne, requestHash, toIso } from '../sql.ts';
import { lockConversation, titleFromText } from './conversations.ts';

export const MESSAGE_COLUMNS = `m.uuid as id, m.conversation_uuid as "conversationId", m.role, m.content, m.parts, m.attachments,
  m.metadata, m.status, m.created_at as "createdAt", m.updated_at as "updatedAt", m.seq`;

export interface MessageRow {
  id: string;
  conversationId: string;
  role: MessageDto['role'];
  content: string | null;
  parts: MessagePart[];
  attachments: unknown[] | null;
  metadata: Record<string, unknown> | null;
  status: MessageStatus;
  createdAt: Date;
  updatedAt: Date;
  seq: string;
}

export function toMessageDto(row: MessageRow): MessageDto {
  return {
    id: row.id,
    conversationId: row.conversationId,
    role: row.role,
    content: row.content,
    parts: row.parts,
    attachments: row.attachments,
    metadata: row.metadata,
    status: row.status,
    createdAt: toIso(row.createdAt),
    updatedAt: toIso(row.updatedAt),
  };
}

/** One message to store: what the writer sent, and the status it starts in. */
export interface NewMessage {
  body: MessageBody;
  status: MessageStatus;
}

/** What a replay must match: everything the writer sent except the id, plus how it was written. */
function fingerprint(conversationId: string, message: NewMessage): string {
  const { id: _id, ...body } = message.body;
  return requestHash({ conversationId, status: message.status, ...body });
}

/** Stores messages at the end of a conversation in one statement; replays of the same ids return the stored rows. */
export async function appendMessages(
  em: EntityManager,
  userId: string,
  conversationId: string,
  messages: NewMessage[],
): Promise<MessageDto[]> {
  const { titled } = await lockConversation(em, userId, conversationId);
  const hashes = messages.map((message) => fingerprint(conversationId, message));
  const ids = messages.map((message) => message.body.id).filter((id): id is string => id !== undefined);
  if (new Set(ids).size !== ids.length) throw badRequest('id: the messages of one write need different ids');
  if (ids.length > 0) {
    const stored = await query<MessageRow & { requestHash: string | null }>(
      em,
      `select ${MESSAGE_COLUMNS}, m.request_hash as "requestHash"
         from messages m where m.uuid in (select value::uuid from jsonb_array_elements_text(?::jsonb))`,
      [JSON.stringify(ids)],
    );
    if (stored.length > 0) {
      const byId = new Map(stored.map((row) => [row.id, row]));
      const replay = messages.map((message, index) => {
        const row = message.body.id ? byId.get(message.body.id) : undefined;
        return row && row.conversationId === conversationId && row.requestHash === hashes[index] ? row : undefined;
      });
      if (replay.every((row) => row !== undefined)) return replay.map((row) => toMessageDto(row as MessageRow));
      const reused = messages.find((message, index) => message.body.id && byId.has(message.body.id) && !replay[index]);
      if (reused) throw conflict(`id: message ${reused.body.id} already exists with a different payload`);
      throw conflict(
        `id: message ${stored[0]?.id} was stored by another write; a replay repeats all of that write's ids`,
      );
    }
  }

  const firstUser = messages.find((message) => message.body.role === 'user');
  // Only an untitled conversation takes its title from a first user message.
  const title =
    !titled && firstUser ? titleFromText(firstUser.body.content ?? deriveContent(firstUser.body.parts)) : null;
  const titleDocument = titleSearchDocument(title);
  const position = await queryOne<{ seq: string }>(
    em,
    `update conversations set message_seq = message_seq + ?, message_count = message_count + ?,
            last_message_at = clock_timestamp(), title = coalesce(title, ?),
            search = case when title is null then ?::tsvector else search end
      where uuid = ? returning message_seq - ? as seq`,
    [messages.length, messages.length, title, titleDocument, conversationId, messages.length],
  );
  const firstSeq = Number(position?.seq);
  const records = messages.map((message, index) => {
    const content = message.body.content ?? deriveContent(message.body.parts);
    return {
      uuid: message.body.id ?? crypto.randomUUID(),
      role: message.body.role,
      content,
      parts: message.body.parts,
      attachments: message.body.attachments ?? null,
      metadata: message.body.metadata ?? null,
      status: message.status,
      seq: firstSeq + index + 1,
      request_hash: hashes[index],
      search: messageSearchDocument({ content, parts: message.body.parts }),
    };
  });
  const rows = await query<MessageRow>(
    em,
    `insert into messages as m (uuid, conversation_uuid, role, content, parts, attachments, metadata, status, seq, request_hash, created_at, updated_at, search)
     select r.uuid, ?, r.role, r.content, r.parts, r.attachments, r.metadata, r.status, r.seq, r.request_hash,
            clock_timestamp(), clock_timestamp(), r.search::tsvector
       from jsonb_to_recordset(?::jsonb) as r(uuid uuid, role text, content text, parts jsonb, attachments jsonb,
                                              metadata jsonb, status text, seq bigint, request_hash text, search text)
      order by r.seq
     returning ${MESSAGE_COLUMNS}`,
    [conversationId, JSON.stringify(records)],
  );
  return rows.sort((a, b) => Number(a.seq) - Number(b.seq)).map(toMessageDto);
}

async function assertConversationOwned(em: EntityManager, userId: string, conversationId: string): Promise<void> {
  const row = await queryOne(em, 'select 1 from conversations where uuid = ? and user_id = ?', [
    conversationId,
    userId,
  ]);
  if (!row) throw notFound(`Conversation ${conversationId}`);
}

type SeqCursor = [number];
const isSeqCursor = (values: unknown[]): values is SeqCursor => values.length === 1 && Number.isSafeInteger(values[0]);

/**
 * History by position: `newer` walks forward from the cursor (from the start without one), `older` walks back
 * (from the latest without one). Items are always in chronological order; never OFFSET.
 */
export async function listMessages(
  em: EntityManager,
  userId: string,
  input: z.infer<typeof messageListInput>,
): Promise<{ items: MessageDto[]; nextCursor: string | null }> {
  await assertConversationOwned(em, userId, input.conversationId);
  const forward = input.direction === 'newer';
  const after = input.cursor ? decodeCursor<SeqCursor>(input.cursor, isSeqCursor)[0] : undefined;
  const bound = after === undefined ? '' : forward ? 'and m.seq > ?' : 'and m.seq < ?';
  const rows = await query<MessageRow>(
    em,
    `select ${MESSAGE_COLUMNS} from messages m where m.conversation_uuid = ? ${bound}
      order by m.seq ${forward ? 'asc' : 'desc'} limit ?`,
    after === undefined ? [input.conversationId, input.limit + 1] : [input.conversationId, after, input.limit + 1],
  );
  const page = rows.slice(0, input.limit);
  const edge = page.at(-1);
  const nextCursor = rows.length > input.limit && edge ? encodeCursor([Number(edge.seq)]) : null;
  if (!forward) page.reverse();
  return { items: page.map(toMessageDto), nextCursor };
}

/**
 * The message and up to `limit` messages on each side, in order, with `message.list` cursors to page on from
 * either end: how a search hit thousands of messages back opens in place.
 */
export async function messagesAround(
  em: EntityManager,
  userId: string,
  input: z.infer<typeof messageAroundInput>,
): Promise<{ items: MessageDto[]; olderCursor: string | null; newerCursor: string | null }> {
  const target = await findMessage(em, userId, input.id);
  const side = (bound: string, order: 'asc' | 'desc') =>
    query<MessageRow>(
      em,
      `select ${MESSAGE_COLUMNS} from messages m where m.conversation_uuid = ? and m.seq ${bound} ?
        order by m.seq ${order} limit ?`,
      [target.conversationId, target.seq, input.limit + 1],
    );
  const [older, newer] = await Promise.all([side('<', 'desc'), side('>', 'asc')]);
  const before = older.slice(0, input.limit).reverse();
  const after = newer.slice(0, input.limit);
  const first = before[0] ?? target;
  const last = after.at(-1) ?? target;
  return {
    items: [...before, target, ...after].map(toMessageDto),
    olderCursor: older.length > input.limit ? encodeCursor([Number(first.seq)]) : null,
    newerCursor: newer.length > input.limit ? encodeCursor([Number(last.seq)]) : null,
  };
}

export async function recentMessages(
  em: EntityManager,
  userId: string,
  input: z.infer<typeof messageRecentInput>,
): Promise<MessageDto[]> {
  await assertConversationOwned(em, userId, input.conversationId);
  const rows = await query<MessageRow>(
    em,
    `select * from (
       select ${MESSAGE_COLUMNS} from messages m
        where m.conversation_uuid = ? and m.created_at >= now() - make_interval(secs => ?)
        order by m.seq desc limit ?) recent
      order by seq asc`,
    [input.conversationId, input.hours * 3600, input.limit],
  );
  return rows.map(toMessageDto);
}

/** A message of this user's, locked for update when `forUpdate` (inside a mutation's transaction). */
async function findMessage(em: EntityManager, userId: string, id: string, forUpdate = false): Promise<MessageRow> {
  const row = await queryOne<MessageRow>(
    em,
    `select ${MESSAGE_COLUMNS} from messages m join conversations c on c.uuid = m.conversation_uuid
      where m.uuid = ? and c.user_id = ? ${forUpdate ? 'for update of m' : ''}`,
    [id, userId],
  );
  if (!row) throw notFound(`Message ${id}`);
  return row;
}

export async function getMessage(em: EntityManager, userId: string, id: string): Promise<MessageDto> {
  return toMessageDto(await findMessage(em, userId, id));
}

/** Tool calls never move backwards or vanish: every call in `before` must still be there, at the same or a later state. */
function assertToolCallsKept(before: readonly MessagePart[], after: readonly MessagePart[]): void {
  const next = new Map(after.filter(isToolCallPart).map((part) => [part.toolCallId, part]));
  for (const part of before.filter(isToolCallPart)) {
    const replacement = next.get(part.toolCallId);
    if (!replacement) throw badRequest(`parts: tool call ${part.toolCallId} would be dropped`);
    if (!isToolStateAdvance(part.state, replacement.state)) {
      throw badRequest(`parts: tool call ${part.toolCallId} cannot go from ${part.state} back to ${replacement.state}`);
    }
  }
}

function validateParts(parts: unknown[]): MessagePart[] {
  const result = messageParts.safeParse(parts);
  if (!result.success) {
    throw badRequest(result.error.issues.map((issue) => `parts.${issue.path.join('.')}: ${issue.message}`).join('; '));
  }
  return result.data;
}

async function saveParts(
  em: EntityManager,
  id: string,
  changes: {
    parts?: MessagePart[];
    content?: string | null;
    status?: MessageStatus;
    attachments?: unknown[] | null;
    metadata?: Record<string, unknown> | null;
  },
): Promise<MessageDto> {
  const sets: string[] = [];
  const params: unknown[] = [];
  if (changes.parts !== undefined) {
    sets.push('parts = ?::jsonb');
    params.push(JSON.stringify(changes.parts));
  }
  if (changes.content !== undefined) {
    sets.push('content = ?');
    params.push(changes.content);
  }
  if (changes.status !== undefined) {
    sets.push('status = ?');
    params.push(changes.status);
  }
  if (changes.attachments !== undefined) {
    sets.push('attachments = ?::jsonb');
    params.push(changes.attachments === null ? null : JSON.stringify(changes.attachments));
  }
  if (changes.metadata !== undefined) {
    sets.push('metadata = ?::jsonb');
    params.push(changes.metadata === null ? null : JSON.stringify(changes.metadata));
  }
  if (changes.parts !== undefined || changes.content !== undefined) {
    // The search document follows the text and parts in the same statement.
    const stored =
      changes.parts === undefined || changes.content === undefined
        ? await queryOne<{ content: string | null; parts: MessagePart[] }>(
            em,
            'select content, parts from messages where uuid = ?',
            [id],
          )
        : undefined;
    sets.push('search = ?::tsvector');
    params.push(
      messageSearchDocument({
        content: changes.content !== undefined ? changes.content : (stored?.content ?? null),
        parts: changes.parts ?? stored?.parts ?? [],
      }),
    );
  }
  const row = await queryOne<MessageRow>(
    em,
    `update messages m set ${sets.join(', ')} where m.uuid = ? returning ${MESSAGE_COLUMNS}`,
    [...params, id],
  );
  return toMessageDto(row as MessageRow);
}

export async function updateMessage(
  em: EntityManager,
  userId: string,
  input: z.infer<typeof messageUpdateInput>,
): Promise<MessageDto> {
  const current = await findMessage(em, userId, input.id, true);
  if (input.parts) assertToolCallsKept(current.parts, input.parts);
  const content = input.content ?? (input.parts ? deriveContent(input.parts) : undefined);
  return saveParts(em, input.id, {
    parts: input.parts,
    content,
    attachments: input.attachments,
    metadata: input.metadata,
  });
}

export async function deleteMessage(
  em: EntityManager,
  userId: string,
  id: string,
): Promise<{ id: string; deleted: true }> {
  const message = await findMessage(em, userId, id, true);
  await query(em, 'delete from messages where uuid = ?', [id]);
  await query(em, 'update conversations set message_count = message_count - 1 where uuid = ?', [
    message.conversationId,
  ]);
  return { id, deleted: true };
}

export async function startMessage(
  em: EntityManager,
  userId: string,
  input: z.infer<typeof messageStartInput>,
): Promise<MessageDto> {
  const [message] = await appendMessages(em, userId, input.conversationId, [
    { body: { id: input.id, role: 'assistant', parts: input.parts, metadata: input.metadata }, status: 'streaming' },
  ]);
  return message as MessageDto;
}

/**
 * A checkpoint: the given parts go at `index` (default: the end), replacing what is there. Writing the same
 * checkpoint twice leaves the same parts, so a retry cannot duplicate anything.
 */
export async function appendParts(
  em: EntityManager,
  userId: string,
  input: z.infer<typeof messageAppendPartsInput>,
): Promise<MessageDto> {
  const current = await findMessage(em, userId, input.id, true);
  if (current.status !== 'streaming')
    throw conflict(`Message ${input.id} is ${current.status}; it no longer takes parts`);
  const index = input.index ?? current.parts.length;
  if (index > current.parts.length) {
    throw badRequest(`index: ${index} would leave a gap; the message has ${current.parts.length} parts`);
  }
  const merged = [...current.parts];
  merged.splice(index, input.parts.length, ...input.parts);
  const parts = validateParts(merged);
  assertToolCallsKept(current.parts, parts);
  return saveParts(em, input.id, { parts, content: deriveContent(parts) });
}

export async function finishMessage(
  em: EntityManager,
  userId: string,
  input: z.infer<typeof messageFinishInput>,
): Promise<MessageDto> {
  const current = await findMessage(em, userId, input.id, true);
  if (current.status !== 'streaming') {
    if (
      current.status === input.status &&
      (input.parts === undefined || requestHash(input.parts) === requestHash(current.parts))
    ) {
      return toMessageDto(current);
    }
    throw conflict(`Message ${input.id} is already ${current.status}`);
  }
  if (input.parts) assertToolCallsKept(current.parts, input.parts);
  const parts = input.parts ?? current.parts;
  const extra = { ...input.metadata, ...(input.errorText !== undefined ? { errorText: input.errorText } : {}) };
  const metadata = Object.keys(extra).length > 0 ? { ...current.metadata, ...extra } : undefined;
  return saveParts(em, input.id, { parts, content: deriveContent(parts), status: input.status, metadata });
}

/** Streams whose writer went silent are marked aborted; what they checkpointed stays. */
export async function abortStaleStreams(em: EntityManager, silentForSeconds: number): Promise<number> {
  const rows = await query<{ id: string }>(
    em,
    `update messages set status = 'aborted',
            metadata = coalesce(metadata, '{}'::jsonb) || jsonb_build_object('abortReason', 'the stream went silent')
      where status = 'streaming' and updated_at < now() - make_interval(secs => ?)
      returning uuid as id`,
    [silentForSeconds],
  );
  return rows.length;
}
