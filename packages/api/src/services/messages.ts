import type { EntityManager } from '@mikro-orm/postgresql';
import {
  deriveContent,
  isToolCallPart,
  isToolPartAdvance,
  isUuid,
  type JsonValue,
  type MessageBody,
  type MessageDto,
  type MessagePart,
  type MessageStatus,
  mergeMetadata,
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
import { DEFAULT_LIST_LIMITS, type ListLimits } from '../context.ts';
import { decodeCursor, encodeCursor } from '../cursor.ts';
import { badRequest, conflict, notFound } from '../errors.ts';
import { query, queryOne, requestHash, toIso } from '../sql.ts';
import { lockConversation, titleFromText } from './conversations.ts';
import { conversationUuid, externalId, whereMessage } from './ids.ts';

// Ids as the client gave them: the message's, and its conversation's (one index lookup per row, on its key).
export const MESSAGE_COLUMNS = `${externalId('m')} as id,
  (select ${externalId('mc')} from conversations mc where mc.uuid = m.conversation_uuid) as "conversationId",
  m.uuid, m.conversation_uuid as "conversationUuid", m.role, m.content, m.parts, m.attachments,
  m.metadata, m.status, m.created_at as "createdAt", m.updated_at as "updatedAt", m.seq`;

export interface MessageRow {
  id: string;
  conversationId: string;
  /** Internal: the row's own uuid and its conversation's, which are not the ids when the client gave its own. */
  uuid: string;
  conversationUuid: string;
  role: MessageDto['role'];
  content: string | null;
  parts: MessagePart[];
  attachments: unknown[] | null;
  metadata: JsonValue | null;
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
    // Absent rather than null, so the message is a valid AI SDK UIMessage with a metadata schema.
    ...(row.metadata === null ? {} : { metadata: row.metadata }),
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
  // Null metadata is no metadata, as it is stored.
  const { id: _id, metadata, ...body } = message.body;
  return requestHash({ conversationId, status: message.status, ...body, metadata: metadata ?? undefined });
}

/** Stores messages at the end of a conversation in one statement; replays of the same ids return the stored rows. */
export async function appendMessages(
  em: EntityManager,
  userId: string,
  conversationId: string,
  messages: NewMessage[],
): Promise<MessageDto[]> {
  const { titled, uuid: conversation } = await lockConversation(em, userId, conversationId);
  const hashes = messages.map((message) => fingerprint(conversationId, message));
  const ids = messages.map((message) => message.body.id).filter((id): id is string => id !== undefined);
  if (new Set(ids).size !== ids.length) throw badRequest('id: the messages of one write need different ids');
  if (ids.length > 0) {
    const stored = await query<MessageRow & { requestHash: string | null }>(
      em,
      `select ${MESSAGE_COLUMNS}, m.request_hash as "requestHash" from messages m
        where m.uuid in (select value::uuid from jsonb_array_elements_text(?::jsonb))
           or m.client_id in (select value from jsonb_array_elements_text(?::jsonb))`,
      [JSON.stringify(ids.filter(isUuid)), JSON.stringify(ids.filter((id) => !isUuid(id)))],
    );
    if (stored.length > 0) {
      const byId = new Map(stored.map((row) => [row.id, row]));
      const replay = messages.map((message, index) => {
        const row = message.body.id ? byId.get(message.body.id) : undefined;
        return row && row.conversationUuid === conversation && row.requestHash === hashes[index] ? row : undefined;
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
    [messages.length, messages.length, title, titleDocument, conversation, messages.length],
  );
  const firstSeq = Number(position?.seq);
  const records = messages.map((message, index) => {
    const content = message.body.content ?? deriveContent(message.body.parts);
    const id = message.body.id;
    return {
      uuid: id !== undefined && isUuid(id) ? id : crypto.randomUUID(),
      client_id: id !== undefined && !isUuid(id) ? id : null,
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
    `insert into messages as m (uuid, client_id, conversation_uuid, role, content, parts, attachments, metadata, status, seq, request_hash, created_at, updated_at, search)
     select r.uuid, r.client_id, ?, r.role, r.content, r.parts, r.attachments, r.metadata, r.status, r.seq, r.request_hash,
            clock_timestamp(), clock_timestamp(), r.search::tsvector
       from jsonb_to_recordset(?::jsonb) as r(uuid uuid, client_id text, role text, content text, parts jsonb, attachments jsonb,
                                              metadata jsonb, status text, seq bigint, request_hash text, search text)
      order by r.seq
     returning ${MESSAGE_COLUMNS}`,
    [conversation, JSON.stringify(records)],
  );
  return rows.sort((a, b) => Number(a.seq) - Number(b.seq)).map(toMessageDto);
}

/** The internal uuid of this user's conversation, or NOT_FOUND. */
async function ownedConversation(em: EntityManager, userId: string, conversationId: string): Promise<string> {
  const uuid = await conversationUuid(em, userId, conversationId);
  if (!uuid) throw notFound(`Conversation ${conversationId}`);
  return uuid;
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
  limits: ListLimits = DEFAULT_LIST_LIMITS,
): Promise<{ items: MessageDto[]; nextCursor: string | null }> {
  const conversation = await ownedConversation(em, userId, input.conversationId);
  const forward = input.direction === 'newer';
  const after = input.cursor ? decodeCursor<SeqCursor>(input.cursor, isSeqCursor)[0] : undefined;
  const bound = after === undefined ? '' : forward ? 'and m.seq > ?' : 'and m.seq < ?';
  const order = forward ? 'asc' : 'desc';
  // A page also ends at a byte budget (one row at least). The limit applies first, so only a page's rows are
  // measured, and rows past the budget are not sent.
  const rows = await query<MessageRow & { fetched: string }>(
    em,
    `select * from (
       select lim.*, count(*) over () as fetched, coalesce(sum(lim.bytes) over (order by lim.seq ${order}
                rows between unbounded preceding and 1 preceding), 0) as "bytesBefore"
         from (select ${MESSAGE_COLUMNS}, octet_length(m.parts::text) + coalesce(octet_length(m.metadata::text), 0)
                        + coalesce(octet_length(m.content), 0) as bytes
                 from messages m where m.conversation_uuid = ? ${bound}
                order by m.seq ${order} limit ?) lim) page
      where "bytesBefore" < ? order by seq ${order}`,
    [...(after === undefined ? [conversation] : [conversation, after]), input.limit + 1, limits.pageBytes],
  );
  const cut = rows.length < Number(rows[0]?.fetched ?? 0);
  const page = rows.slice(0, input.limit);
  const edge = page.at(-1);
  const nextCursor = (cut || rows.length > input.limit) && edge ? encodeCursor([Number(edge.seq)]) : null;
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
      [target.conversationUuid, target.seq, input.limit + 1],
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
  const conversation = await ownedConversation(em, userId, input.conversationId);
  const rows = await query<MessageRow>(
    em,
    `select * from (
       select ${MESSAGE_COLUMNS} from messages m
        where m.conversation_uuid = ? and m.created_at >= now() - make_interval(secs => ?)
        order by m.seq desc limit ?) recent
      order by seq asc`,
    [conversation, input.hours * 3600, input.limit],
  );
  return rows.map(toMessageDto);
}

/** A message of this user's, locked for update when `forUpdate` (inside a mutation's transaction). */
async function findMessage(em: EntityManager, userId: string, id: string, forUpdate = false): Promise<MessageRow> {
  const row = await findOwnMessage(em, userId, id, forUpdate);
  if (!row) throw notFound(`Message ${id}`);
  return row;
}

function findOwnMessage(
  em: EntityManager,
  userId: string,
  id: string,
  forUpdate: boolean,
): Promise<MessageRow | undefined> {
  const where = whereMessage('m', id);
  return queryOne<MessageRow>(
    em,
    `select ${MESSAGE_COLUMNS} from messages m join conversations c on c.uuid = m.conversation_uuid
      where ${where.sql} and c.user_id = ? ${forUpdate ? 'for update of m' : ''}`,
    [...where.params, userId],
  );
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
    if (!isToolPartAdvance(part, replacement)) {
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

/** Writes the changes to the message with this internal uuid. */
async function saveParts(
  em: EntityManager,
  uuid: string,
  changes: {
    parts?: MessagePart[];
    content?: string | null;
    status?: MessageStatus;
    attachments?: unknown[] | null;
    metadata?: JsonValue | null;
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
            [uuid],
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
    [...params, uuid],
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
  return saveParts(em, current.uuid, {
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
  await query(em, 'delete from messages where uuid = ?', [message.uuid]);
  await query(em, 'update conversations set message_count = message_count - 1 where uuid = ?', [
    message.conversationUuid,
  ]);
  return { id: message.id, deleted: true };
}

export async function startMessage(
  em: EntityManager,
  userId: string,
  input: z.infer<typeof messageStartInput>,
): Promise<MessageDto> {
  if (input.continue) {
    // The conversation first, as every append locks it: trash and ownership are checked the same way.
    const { uuid: conversation } = await lockConversation(em, userId, input.conversationId);
    const current = await findOwnMessage(em, userId, input.id as string, true);
    if (current) return continueMessage(em, conversation, current, input);
  }
  const [message] = await appendMessages(em, userId, input.conversationId, [
    { body: { id: input.id, role: 'assistant', parts: input.parts, metadata: input.metadata }, status: 'streaming' },
  ]);
  return message as MessageDto;
}

/**
 * Reopens an assistant message for the rest of its turn (the AI SDK streams the reply after a tool approval into
 * the same message). Its parts stay unless new ones are given, which keep every tool call; asking again while it
 * streams changes nothing.
 */
async function continueMessage(
  em: EntityManager,
  conversation: string,
  current: MessageRow,
  input: z.infer<typeof messageStartInput>,
): Promise<MessageDto> {
  if (current.conversationUuid !== conversation) {
    throw conflict(`id: message ${current.id} belongs to another conversation`);
  }
  if (current.role !== 'assistant') {
    throw conflict(`id: message ${current.id} is a ${current.role} message; only an assistant message continues`);
  }
  const parts = input.parts.length > 0 ? input.parts : current.parts;
  assertToolCallsKept(current.parts, parts);
  const metadata = mergeMetadata(current.metadata ?? undefined, input.metadata ?? undefined);
  const unchanged =
    current.status === 'streaming' &&
    requestHash(parts) === requestHash(current.parts) &&
    requestHash(metadata ?? null) === requestHash(current.metadata);
  if (unchanged) return toMessageDto(current);
  await query(em, 'update conversations set last_message_at = clock_timestamp() where uuid = ?', [conversation]);
  return saveParts(em, current.uuid, {
    parts,
    content: deriveContent(parts),
    status: 'streaming',
    ...(metadata === undefined ? {} : { metadata }),
  });
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
  return saveParts(em, current.uuid, { parts, content: deriveContent(parts) });
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
  let metadata = mergeMetadata(current.metadata ?? undefined, input.metadata ?? undefined);
  if (input.errorText !== undefined) {
    if (metadata !== undefined && (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata))) {
      throw badRequest(
        `errorText: message ${current.id} has metadata that is not an object, so errorText cannot go in it; put it in metadata yourself`,
      );
    }
    metadata = { ...metadata, errorText: input.errorText };
  }
  const changesMetadata = (input.metadata ?? undefined) !== undefined || input.errorText !== undefined;
  return saveParts(em, current.uuid, {
    parts,
    content: deriveContent(parts),
    status: input.status,
    ...(changesMetadata ? { metadata } : {}),
  });
}

/** Streams whose writer went silent are marked aborted; what they checkpointed stays. */
export async function abortStaleStreams(em: EntityManager, silentForSeconds: number): Promise<number> {
  const rows = await query<{ id: string }>(
    em,
    `update messages set status = 'aborted',
            metadata = case when metadata is null or jsonb_typeof(metadata) = 'object'
                            then coalesce(metadata, '{}'::jsonb) || jsonb_build_object('abortReason', 'the stream went silent')
                            else metadata end
      where status = 'streaming' and updated_at < now() - make_interval(secs => ?)
      returning uuid as id`,
    [silentForSeconds],
  );
  return rows.length;
}
