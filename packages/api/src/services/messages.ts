import { type EntityManager, UniqueConstraintViolationException } from '@mikro-orm/postgresql';
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
import { builtOncePerShape, type Database, preparedQuery } from '@threadstore/shared/server';
import { type Selectable, sql } from 'kysely';
import type { z } from 'zod';
import { DEFAULT_LIST_LIMITS, type ListLimits } from '../context.ts';
import { decodeCursor, encodeCursor } from '../cursor.ts';
import { columnListText, columns, db, externalId, type InTransaction, jsonb, requestHash, toIso } from '../db.ts';
import { asDriverException, badRequest, ConcurrentReplay, conflict, notFound } from '../errors.ts';
import { describeIssues, zodIssues } from '../zod-issues.ts';
import { lockConversation, titleFromText } from './conversations.ts';
import { findConversationKey, idColumn } from './ids.ts';
import { findReplays } from './replay.ts';

export const MESSAGE_COLUMNS = [
  'uuid',
  'client_id',
  'conversation_uuid',
  'role',
  'content',
  'parts',
  'attachments',
  'metadata',
  'status',
  'created_at',
  'updated_at',
  'seq',
] as const satisfies readonly (keyof Database['messages'])[];

/** A message as this service reads it: the entity's columns, as the driver returns them. */
export type MessageRecord = Pick<Selectable<Database['messages']>, (typeof MESSAGE_COLUMNS)[number]>;

/** The columns of a stored message that its DTO carries besides its times. */
type MessageFields = Pick<
  MessageRecord,
  'uuid' | 'client_id' | 'role' | 'content' | 'parts' | 'attachments' | 'metadata' | 'status'
>;

/** `conversationId` is the conversation's external id, which the caller has from the conversation's own row. */
export function toMessageDto(
  row: MessageFields & Pick<MessageRecord, 'created_at' | 'updated_at'>,
  conversationId: string,
): MessageDto {
  return messageDto(row, conversationId, toIso(row.created_at), toIso(row.updated_at));
}

function messageDto(row: MessageFields, conversationId: string, createdAt: string, updatedAt: string): MessageDto {
  return {
    id: externalId(row),
    conversationId,
    role: row.role,
    content: row.content,
    parts: row.parts,
    attachments: row.attachments,
    // Absent rather than null, so the message is a valid AI SDK UIMessage with a metadata schema.
    ...(row.metadata === null ? {} : { metadata: row.metadata }),
    status: row.status,
    createdAt,
    updatedAt,
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

/**
 * Stores messages at the end of a conversation; replays of the same ids return the stored rows. Messages to a
 * conversation that exists take one statement (see appendInOneStatement); whatever that statement leaves to it
 * takes the general path, in `transaction`: lock the conversation (creating it), look for replays, move its
 * counters, insert. A caller already in a transaction runs both in it; a caller outside one (oneStatementMutation)
 * passes its own, so the one statement commits alone.
 */
export async function appendMessages(
  em: EntityManager,
  userId: string,
  conversationId: string,
  messages: NewMessage[],
  transaction: InTransaction = (work) => work(em),
): Promise<MessageDto[]> {
  const ids = messages.map((message) => message.body.id).filter((id): id is string => id !== undefined);
  if (new Set(ids).size !== ids.length) throw badRequest('id: the messages of one write need different ids');
  const appended = await appendInOneStatement(em, userId, conversationId, messages);
  if (appended) return appended;
  return transaction((locked) => appendUnderLock(locked, userId, conversationId, messages, ids));
}

/** The general path of appendMessages, in a transaction: it holds the conversation's row lock until commit. */
async function appendUnderLock(
  em: EntityManager,
  userId: string,
  conversationId: string,
  messages: NewMessage[],
  ids: string[],
): Promise<MessageDto[]> {
  const { titled, uuid: conversation, id: externalConversationId } = await lockConversation(em, userId, conversationId);
  const toDto = (row: MessageRecord) => toMessageDto(row, externalConversationId);
  const hashes = messages.map((message) => fingerprint(conversationId, message));
  if (ids.length > 0) {
    const stored = await db(em)
      .selectFrom('messages as m')
      .select([...columns('m', MESSAGE_COLUMNS), 'm.request_hash'])
      .where((eb) =>
        eb.or([
          eb('m.uuid', '=', eb.fn.any(sql<string[]>`${ids.filter(isUuid)}::uuid[]`)),
          eb('m.client_id', '=', eb.fn.any(sql<string[]>`${ids.filter((id) => !isUuid(id))}::text[]`)),
        ]),
      )
      .execute();
    if (stored.length > 0) {
      const replay = findReplays(
        stored,
        messages.map((message, index) => ({ id: message.body.id, hash: hashes[index] as string })),
        (row) => row.conversation_uuid === conversation,
      );
      if (replay.every((row) => row !== undefined)) return replay.map((row) => toDto(row as MessageRecord));
      const reused = messages.find(
        (message, index) =>
          message.body.id && !replay[index] && stored.some((row) => externalId(row) === message.body.id),
      );
      if (reused) throw conflict(`id: message ${reused.body.id} already exists with a different payload`);
      throw conflict(
        `id: message ${externalId(stored[0] as MessageRecord)} was stored by another write; a replay repeats all of that write's ids`,
      );
    }
  }

  const firstUser = messages.find((message) => message.body.role === 'user');
  // Only an untitled conversation takes its title from a first user message.
  const title =
    !titled && firstUser ? titleFromText(firstUser.body.content ?? deriveContent(firstUser.body.parts)) : null;
  const count = messages.length;
  // Positions and counters move in one UPDATE under the lock lockConversation took; `version` is the
  // conversation's own edits (conversation.update's expectedVersion), which an append is not.
  const position = await db(em)
    .updateTable('conversations')
    .set((eb) => ({
      message_seq: sql<string>`message_seq + ${count}`,
      message_count: eb('message_count', '+', count),
      last_message_at: sql<string>`clock_timestamp()`,
      title: eb.fn.coalesce('title', eb.val(title)),
      search: sql<string>`case when title is null then ${titleSearchDocument(title)}::tsvector else search end`,
    }))
    .where('uuid', '=', conversation)
    .returning(sql<string>`message_seq - ${count}`.as('seq'))
    .executeTakeFirstOrThrow();
  const firstSeq = Number(position.seq);
  const now = sql<string>`clock_timestamp()`;
  const rows = await db(em)
    .insertInto('messages')
    .values(
      messages.map((message, index) => {
        const content = message.body.content ?? deriveContent(message.body.parts);
        const id = message.body.id;
        return {
          ...(id === undefined ? {} : { [idColumn(id)]: id }),
          conversation_uuid: conversation,
          role: message.body.role,
          content,
          parts: jsonb(message.body.parts),
          attachments: message.body.attachments == null ? null : jsonb(message.body.attachments),
          metadata: message.body.metadata == null ? null : jsonb(message.body.metadata),
          status: message.status,
          seq: String(firstSeq + index + 1),
          request_hash: hashes[index] as string,
          created_at: now,
          updated_at: now,
          search: messageSearchDocument({ content, parts: message.body.parts }),
        };
      }),
    )
    .returning(MESSAGE_COLUMNS)
    .execute();
  return rows.sort((a, b) => Number(a.seq) - Number(b.seq)).map(toDto);
}

/** The columns the one-statement append writes, checked against the entity. */
const APPENDED_COLUMNS = [
  ...MESSAGE_COLUMNS,
  'request_hash',
  'search',
] as const satisfies readonly (keyof Database['messages'])[];

/** The parameters of one message in the append's VALUES list, in the order of its `v` columns. */
const APPENDED_VALUES = [
  'uuid::uuid',
  'client_id::text',
  'role::text',
  'content::text',
  'parts::jsonb',
  'attachments::jsonb',
  'metadata::jsonb',
  'status::text',
  'request_hash::text',
  'search::tsvector',
] as const;

/** What the append's text depends on: how many messages, the conversation's id column, and whether ids are named. */
interface AppendShape {
  count: number;
  conversationColumn: 'uuid' | 'client_id';
  namesIds: boolean;
}

/**
 * The one-statement append's text for a shape: $1 count, $2 title, $3 its search document, $4 the conversation's
 * id, $5 the user, then (when the write names ids) $6 and $7 the uuids and client ids, then each message's
 * APPENDED_VALUES.
 */
const appendStatement = builtOncePerShape(({ count, conversationColumn, namesIds }: AppendShape): string => {
  const first = namesIds ? 8 : 6;
  const rows = Array.from({ length: count }, (_, index) => {
    const base = first + index * APPENDED_VALUES.length;
    const values = APPENDED_VALUES.map((value, offset) => `$${base + offset}${value.slice(value.indexOf('::'))}`);
    return `(${index + 1}, ${values.join(', ')})`;
  });
  // Two lookups, not one with OR: PostgreSQL's generic plan for the prepared statement (which it switches to after
  // five runs) scanned every message for the OR form, so each append with ids cost more as the table grew.
  const noneStored = namesIds
    ? `and not exists (select 1 from messages s where s.uuid = any($6::uuid[]))
       and not exists (select 1 from messages s where s.client_id = any($7::text[]))`
    : '';
  return `with pos as (
    update conversations c
       set message_seq = c.message_seq + $1::int, message_count = c.message_count + $1::int,
           last_message_at = clock_timestamp(), title = coalesce(c.title, $2::text),
           search = case when c.title is null then $3::tsvector else c.search end
     where c.${conversationColumn} = $4 and c.user_id = $5 and c.deleted_at is null ${noneStored}
    returning c.uuid, c.client_id, c.message_seq
  ), ins as (
    insert into messages (${columnListText(APPENDED_COLUMNS)})
    select v.uuid, v.client_id, pos.uuid, v.role, v.content, v.parts, v.attachments, v.metadata, v.status,
           clock_timestamp(), clock_timestamp(), pos.message_seq - $1::int + v.ord, v.request_hash, v.search
      from pos, (values ${rows.join(', ')})
        as v (ord, ${APPENDED_VALUES.map((value) => value.slice(0, value.indexOf('::'))).join(', ')})
    returning ${columnListText(MESSAGE_COLUMNS)}
  )
  select ${columnListText(MESSAGE_COLUMNS, 'ins')}, pos.client_id as conversation_client_id from ins, pos`;
});

/**
 * The hot path of `message.append` and `message.appendRound`, in one round trip: the UPDATE takes the
 * conversation's row lock (so positions are still handed out in commit order), checks owner, trash and that no
 * id is stored, and moves position, count and title; the INSERT places each message from the new position. No
 * row back means the general path decides: the conversation is new, not this user's, in the trash, or the write
 * names a stored id (a replay or a reuse).
 *
 * Written as SQL with one fixed text per shape, sent as a prepared statement, because it runs on every append:
 * built with Kysely's builder the same statement cost about 0.12 ms of CPU per round, a quarter of the whole
 * call in-process, and even Kysely's `sql` template spent more CPU compiling it than pg spent sending it
 * (bench/README.md); PostgreSQL then plans it once per connection. The column lists still come from the
 * entity-checked arrays above.
 *
 * The id check reads the statement's snapshot, so a replay running concurrently can pass it too and then hit
 * the unique index once the first write commits; the call then runs again (ConcurrentReplay, see withRetries),
 * and this time finds the stored row and answers as a replay.
 */
async function appendInOneStatement(
  em: EntityManager,
  userId: string,
  conversationId: string,
  messages: NewMessage[],
): Promise<MessageDto[] | undefined> {
  const bodies = messages.map(({ body }) => ({ ...body, content: body.content ?? deriveContent(body.parts) }));
  const firstUser = bodies.find((body) => body.role === 'user');
  // coalesce keeps a title the conversation already has, as the general path does.
  const title = firstUser ? titleFromText(firstUser.content) : null;
  const ids = bodies.map((body) => body.id).filter((id): id is string => id !== undefined);
  const shape: AppendShape = {
    count: messages.length,
    conversationColumn: idColumn(conversationId),
    namesIds: ids.length > 0,
  };
  const jsonbOrNull = (value: unknown) => (value == null ? null : JSON.stringify(value));
  const parameters: unknown[] = [shape.count, title, titleSearchDocument(title), conversationId, userId];
  if (shape.namesIds)
    parameters.push(
      ids.filter(isUuid),
      ids.filter((id) => !isUuid(id)),
    );
  messages.forEach((message, index) => {
    const body = bodies[index] as (typeof bodies)[number];
    const id = body.id;
    parameters.push(
      id !== undefined && isUuid(id) ? id : crypto.randomUUID(),
      id !== undefined && !isUuid(id) ? id : null,
      body.role,
      body.content,
      JSON.stringify(body.parts),
      jsonbOrNull(body.attachments),
      jsonbOrNull(body.metadata),
      message.status,
      fingerprint(conversationId, message),
      messageSearchDocument({ content: body.content, parts: body.parts }),
    );
  });
  try {
    const { rows } = await db(em).executeQuery(
      preparedQuery<MessageRecord & { conversation_client_id: string | null }>(appendStatement(shape), parameters),
    );
    if (rows.length === 0) return undefined;
    return rows
      .sort((a, b) => Number(a.seq) - Number(b.seq))
      .map(({ conversation_client_id, ...stored }) =>
        toMessageDto(stored, conversation_client_id ?? stored.conversation_uuid),
      );
  } catch (error) {
    if (ids.length > 0 && asDriverException(error) instanceof UniqueConstraintViolationException) {
      throw new ConcurrentReplay(`id: message ${ids.join(', ')} was stored by a concurrent write`, { cause: error });
    }
    throw error;
  }
}

/** The internal uuid and external id of this user's conversation, or NOT_FOUND. */
async function ownedConversation(
  em: EntityManager,
  userId: string,
  conversationId: string,
): Promise<{ uuid: string; id: string }> {
  const key = await findConversationKey(em, userId, conversationId);
  if (!key) throw notFound(`Conversation ${conversationId}`);
  return key;
}

type SeqCursor = [number];
const isSeqCursor = (values: unknown[]): values is SeqCursor => values.length === 1 && Number.isSafeInteger(values[0]);

/** A message of a history page as its statement sends it: its times as PostgreSQL writes a UTC timestamp in JSON. */
type PageMessage = MessageFields & { seq: number; createdAt: string; updatedAt: string };

/** The columns a page sends per message, under their own names (its times are added as createdAt and updatedAt). */
const PAGE_COLUMNS = MESSAGE_COLUMNS.filter(
  (column): column is Exclude<(typeof MESSAGE_COLUMNS)[number], 'conversation_uuid' | 'created_at' | 'updated_at'> =>
    column !== 'conversation_uuid' && column !== 'created_at' && column !== 'updated_at',
);

/**
 * A UTC timestamp as JSON has it from PostgreSQL (`2026-12-03T15:19:10.271147`, the fraction cut of trailing zeros
 * or absent) in the DTO's form, cut to the millisecond as toIso cuts it. The schemas' dates have four-digit years.
 */
const isoFromUtcJson = (text: string) => `${text.slice(0, 19)}.${text.slice(20, 23).padEnd(3, '0')}Z`;

interface PageShape {
  conversationColumn: 'uuid' | 'client_id';
  forward: boolean;
  fromCursor: boolean;
}

/**
 * The history page's text for a shape: $1 the conversation's id, $2 the user, $3 how many rows to
 * fetch (one more than the page, to tell whether more follow), $4 the page's byte budget, $5 the cursor's position.
 *
 * The ownership check is an uncorrelated subquery (PostgreSQL runs it once, as an InitPlan), so the page is one
 * range of uq_messages_conversation_seq. Each message is written as JSON once, and the page is a JSON array in one
 * row and column: decoding sixteen columns of every message took about a quarter of the server's CPU for a page
 * (bench/README.md), and the array is one JSON.parse. The limit applies before the byte budget, so only a page's
 * messages are measured (their JSON, as sent), and those past the budget (one at least) are not sent. An empty
 * page still tells an empty conversation (its uuid) from one that is not the caller's (none).
 */
const pageStatement = builtOncePerShape(({ conversationColumn, forward, fromCursor }: PageShape): string => {
  const order = forward ? 'asc' : 'desc';
  return `with owned as (
    select c.uuid, c.client_id from conversations c where c.${conversationColumn} = $1 and c.user_id = $2
  ), lim as (
    select m.seq, row_to_json(doc)::text as doc
      from messages m,
           lateral (select ${columnListText(PAGE_COLUMNS, 'm')}, m.created_at at time zone 'UTC' as "createdAt",
                           m.updated_at at time zone 'UTC' as "updatedAt") doc
     where m.conversation_uuid = (select o.uuid from owned o)
           ${fromCursor ? `and m.seq ${forward ? '>' : '<'} $5` : ''}
     order by m.seq ${order}
     limit $3
  ), measured as (
    select lim.seq, lim.doc, count(*) over () as fetched,
           coalesce(sum(octet_length(lim.doc)) over (order by lim.seq ${order}
                                                     rows between unbounded preceding and 1 preceding), 0)
             as bytes_before
      from lim
  )
  select (select o.uuid from owned o) as conversation_uuid, (select o.client_id from owned o) as conversation_client_id,
         coalesce(max(p.fetched), 0) as fetched,
         '[' || coalesce(string_agg(p.doc, ',' order by p.seq ${order}), '') || ']' as items
    from measured p
   where p.bytes_before < $4`;
});

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
  const forward = input.direction === 'newer';
  const after = input.cursor ? decodeCursor<SeqCursor>(input.cursor, isSeqCursor)[0] : undefined;
  const shape: PageShape = {
    conversationColumn: idColumn(input.conversationId),
    forward,
    fromCursor: after !== undefined,
  };
  const parameters: unknown[] = [input.conversationId, userId, input.limit + 1, limits.pageBytes];
  if (after !== undefined) parameters.push(String(after));
  const { rows } = await db(em).executeQuery(
    preparedQuery<{
      conversation_uuid: string | null;
      conversation_client_id: string | null;
      fetched: string;
      items: string;
    }>(pageStatement(shape), parameters),
  );
  const [page] = rows;
  if (!page?.conversation_uuid) throw notFound(`Conversation ${input.conversationId}`);
  const conversationId = page.conversation_client_id ?? page.conversation_uuid;
  const sent = JSON.parse(page.items) as PageMessage[];
  const cut = sent.length < Number(page.fetched);
  const items = sent.slice(0, input.limit);
  const edge = items.at(-1);
  const nextCursor = (cut || sent.length > input.limit) && edge ? encodeCursor([edge.seq]) : null;
  if (!forward) items.reverse();
  return {
    items: items.map((item) =>
      messageDto(item, conversationId, isoFromUtcJson(item.createdAt), isoFromUtcJson(item.updatedAt)),
    ),
    nextCursor,
  };
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
  const side = (bound: '<' | '>', order: 'asc' | 'desc') =>
    db(em)
      .selectFrom('messages as m')
      .select(columns('m', MESSAGE_COLUMNS))
      .where('m.conversation_uuid', '=', target.conversation_uuid)
      .where('m.seq', bound, target.seq)
      .orderBy('m.seq', order)
      .limit(input.limit + 1)
      .execute();
  const [older, newer] = await Promise.all([side('<', 'desc'), side('>', 'asc')]);
  const before = older.slice(0, input.limit).reverse();
  const after = newer.slice(0, input.limit);
  const first = before[0] ?? target;
  const last = after.at(-1) ?? target;
  return {
    items: [...before, target, ...after].map((row) => toMessageDto(row, target.conversationId)),
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
  const rows = await db(em)
    .selectFrom('messages as m')
    .select(columns('m', MESSAGE_COLUMNS))
    .where('m.conversation_uuid', '=', conversation.uuid)
    .where('m.created_at', '>=', sql<string>`now() - make_interval(secs => ${input.hours * 3600})`)
    .orderBy('m.seq', 'desc')
    .limit(input.limit)
    .execute();
  return rows.reverse().map((row) => toMessageDto(row, conversation.id));
}

/** A stored message with its conversation's external id, which every DTO of it carries. */
type OwnMessage = MessageRecord & { conversationId: string };

/** A message of this user's, locked for update when `forUpdate` (inside a mutation's transaction). */
async function findMessage(em: EntityManager, userId: string, id: string, forUpdate = false): Promise<OwnMessage> {
  const row = await findOwnMessage(em, userId, id, forUpdate);
  if (!row) throw notFound(`Message ${id}`);
  return row;
}

async function findOwnMessage(
  em: EntityManager,
  userId: string,
  id: string,
  forUpdate: boolean,
): Promise<OwnMessage | undefined> {
  const row = await db(em)
    .selectFrom('messages as m')
    .innerJoin('conversations as c', 'c.uuid', 'm.conversation_uuid')
    .select([...columns('m', MESSAGE_COLUMNS), 'c.client_id as conversation_client_id', 'c.uuid as conversation_uuid'])
    .where(`m.${idColumn(id)}`, '=', id)
    .where('c.user_id', '=', userId)
    .$if(forUpdate, (qb) => qb.forUpdate('m'))
    .executeTakeFirst();
  if (!row) return undefined;
  const { conversation_client_id, ...message } = row;
  return { ...message, conversationId: conversation_client_id ?? message.conversation_uuid };
}

export async function getMessage(em: EntityManager, userId: string, id: string): Promise<MessageDto> {
  const row = await findMessage(em, userId, id);
  return toMessageDto(row, row.conversationId);
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
    throw badRequest(describeIssues(zodIssues(result.error, parts, ['parts'])));
  }
  return result.data;
}

/** Writes the changes to a stored message. */
async function saveParts(
  em: EntityManager,
  message: OwnMessage,
  changes: {
    parts?: MessagePart[];
    content?: string | null;
    status?: MessageStatus;
    attachments?: unknown[] | null;
    metadata?: JsonValue | null;
  },
): Promise<MessageDto> {
  const { parts, content, status, attachments, metadata } = changes;
  // The search document follows the text and parts in the same statement; `message` was read under its row
  // lock, so its stored text and parts are current.
  const search =
    parts !== undefined || content !== undefined
      ? messageSearchDocument({
          content: content !== undefined ? content : message.content,
          parts: parts ?? message.parts,
        })
      : undefined;
  const row = await db(em)
    .updateTable('messages')
    .set({
      ...(parts === undefined ? {} : { parts: jsonb(parts) }),
      ...(content === undefined ? {} : { content }),
      ...(status === undefined ? {} : { status }),
      ...(attachments === undefined ? {} : { attachments: attachments === null ? null : jsonb(attachments) }),
      ...(metadata === undefined ? {} : { metadata: metadata === null ? null : jsonb(metadata) }),
      ...(search === undefined ? {} : { search }),
    })
    .where('uuid', '=', message.uuid)
    .returning(MESSAGE_COLUMNS)
    .executeTakeFirstOrThrow();
  return toMessageDto(row, message.conversationId);
}

export async function updateMessage(
  em: EntityManager,
  userId: string,
  input: z.infer<typeof messageUpdateInput>,
): Promise<MessageDto> {
  const current = await findMessage(em, userId, input.id, true);
  if (input.parts) assertToolCallsKept(current.parts, input.parts);
  const content = input.content ?? (input.parts ? deriveContent(input.parts) : undefined);
  return saveParts(em, current, {
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
  await db(em).deleteFrom('messages').where('uuid', '=', message.uuid).execute();
  await db(em)
    .updateTable('conversations')
    .set((eb) => ({ message_count: eb('message_count', '-', 1) }))
    .where('uuid', '=', message.conversation_uuid)
    .execute();
  return { id: externalId(message), deleted: true };
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
  current: OwnMessage,
  input: z.infer<typeof messageStartInput>,
): Promise<MessageDto> {
  if (current.conversation_uuid !== conversation) {
    throw conflict(`id: message ${externalId(current)} belongs to another conversation`);
  }
  if (current.role !== 'assistant') {
    throw conflict(
      `id: message ${externalId(current)} is a ${current.role} message; only an assistant message continues`,
    );
  }
  const parts = input.parts.length > 0 ? input.parts : current.parts;
  assertToolCallsKept(current.parts, parts);
  const metadata = mergeMetadata(current.metadata ?? undefined, input.metadata ?? undefined);
  const unchanged =
    current.status === 'streaming' &&
    requestHash(parts) === requestHash(current.parts) &&
    requestHash(metadata ?? null) === requestHash(current.metadata);
  if (unchanged) return toMessageDto(current, current.conversationId);
  await db(em)
    .updateTable('conversations')
    .set({ last_message_at: sql<string>`clock_timestamp()` })
    .where('uuid', '=', conversation)
    .execute();
  return saveParts(em, current, {
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
  return saveParts(em, current, { parts, content: deriveContent(parts) });
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
      return toMessageDto(current, current.conversationId);
    }
    throw conflict(`Message ${input.id} is already ${current.status}`);
  }
  if (input.parts) assertToolCallsKept(current.parts, input.parts);
  const parts = input.parts ?? current.parts;
  let metadata = mergeMetadata(current.metadata ?? undefined, input.metadata ?? undefined);
  if (input.errorText !== undefined) {
    if (metadata !== undefined && (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata))) {
      throw badRequest(
        `errorText: message ${externalId(current)} has metadata that is not an object, so errorText cannot go in it; put it in metadata yourself`,
      );
    }
    metadata = { ...metadata, errorText: input.errorText };
  }
  const changesMetadata = (input.metadata ?? undefined) !== undefined || input.errorText !== undefined;
  return saveParts(em, current, {
    parts,
    content: deriveContent(parts),
    status: input.status,
    ...(changesMetadata ? { metadata } : {}),
  });
}

/** Streams whose writer went silent are marked aborted; what they checkpointed stays. */
export async function abortStaleStreams(em: EntityManager, silentForSeconds: number): Promise<number> {
  const result = await db(em)
    .updateTable('messages')
    .set({
      status: 'aborted',
      // A JSON merge PostgreSQL does in place, so a concurrent metadata write is not overwritten with a stale copy.
      metadata: sql<JsonValue>`case when metadata is null or jsonb_typeof(metadata) = 'object'
        then coalesce(metadata, '{}'::jsonb) || jsonb_build_object('abortReason', 'the stream went silent')
        else metadata end`,
    })
    .where('status', '=', 'streaming')
    .where('updated_at', '<', sql<string>`now() - make_interval(secs => ${silentForSeconds})`)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}
