import type { EntityManager } from '@mikro-orm/postgresql';
import {
  type ConversationDto,
  type ConversationStats,
  type conversationCreateInput,
  type conversationListInput,
  type conversationStatsInput,
  type conversationUpdateInput,
  titleSearchDocument,
} from '@threadstore/shared';
import type { Database } from '@threadstore/shared/server';
import { TRPCError } from '@trpc/server';
import { type RawBuilder, type Selectable, sql } from 'kysely';
import type { z } from 'zod';
import { DEFAULT_LIST_LIMITS, type ListLimits } from '../context.ts';
import { decodeCursor, encodeCursor, isIdText, isTimestampText } from '../cursor.ts';
import { columns, db, externalId, jsonb, requestHash, toIso, toIsoOrNull } from '../db.ts';
import { conflict, notFound } from '../errors.ts';
import { idColumn } from './ids.ts';

const CONVERSATION_COLUMNS = [
  'uuid',
  'client_id',
  'user_id',
  'title',
  'metadata',
  'pinned',
  'tags',
  'archived_at',
  'deleted_at',
  'last_message_at',
  'message_count',
  'version',
  'created_at',
  'updated_at',
] as const satisfies readonly (keyof Database['conversations'])[];

/** A conversation as this service reads it: the entity's columns, as the driver returns them. */
export type ConversationRecord = Pick<Selectable<Database['conversations']>, (typeof CONVERSATION_COLUMNS)[number]>;

export function toConversationDto(row: ConversationRecord): ConversationDto {
  return {
    id: externalId(row),
    userId: row.user_id,
    title: row.title,
    metadata: row.metadata,
    pinned: row.pinned,
    tags: row.tags,
    archivedAt: toIsoOrNull(row.archived_at),
    deletedAt: toIsoOrNull(row.deleted_at),
    lastMessageAt: toIsoOrNull(row.last_message_at),
    messageCount: row.message_count,
    version: row.version,
    createdAt: toIso(row.created_at),
    updatedAt: toIso(row.updated_at),
  };
}

const TITLE_LENGTH = 80;

/** A title from a first user message: its first non-empty line, trimmed, at most 80 characters. */
export function titleFromText(text: string): string | null {
  const line = text
    .split(/\r?\n/)
    .map((item) => item.trim())
    .find((item) => item.length > 0);
  if (!line) return null;
  const characters = Array.from(line);
  return characters.length <= TITLE_LENGTH
    ? line
    : `${characters
        .slice(0, TITLE_LENGTH - 1)
        .join('')
        .trimEnd()}…`;
}

/**
 * Locks the conversation row, creating it for this user when it does not exist yet: a session is a
 * conversation, so writing a message, context or note for a new session id starts one. The lock is what
 * serialises writers of one conversation, so message positions are handed out in commit order.
 * Another user's conversation, or one in the trash, is NOT_FOUND.
 */
export async function lockConversation(
  em: EntityManager,
  userId: string,
  conversationId: string,
): Promise<{ titled: boolean; uuid: string; id: string }> {
  const column = idColumn(conversationId);
  const lock = () =>
    db(em)
      .selectFrom('conversations as c')
      .select((eb) => [
        'c.uuid',
        'c.client_id',
        'c.user_id',
        'c.deleted_at',
        eb('c.title', 'is not', null).$castTo<boolean>().as('titled'),
      ])
      .where(`c.${column}`, '=', conversationId)
      .$if(column === 'client_id', (qb) => qb.where('c.user_id', '=', userId))
      .forUpdate()
      .executeTakeFirst();
  let row = await lock();
  if (!row) {
    await db(em)
      .insertInto('conversations')
      .values({ [column]: conversationId, user_id: userId })
      .onConflict((oc) =>
        column === 'uuid' ? oc.column('uuid').doNothing() : oc.columns(['user_id', 'client_id']).doNothing(),
      )
      .execute();
    row = await lock();
  }
  if (!row || row.user_id !== userId) throw notFound(`Conversation ${conversationId}`);
  if (row.deleted_at) {
    throw new TRPCError({
      code: 'NOT_FOUND',
      message: `Conversation ${conversationId} is in the trash; restore it first.`,
    });
  }
  return { titled: row.titled, uuid: row.uuid, id: externalId(row) };
}

export async function getConversation(em: EntityManager, userId: string, id: string): Promise<ConversationDto> {
  return toConversationDto(await findConversation(em, userId, id));
}

async function findConversation(em: EntityManager, userId: string, id: string): Promise<ConversationRecord> {
  const row = await db(em)
    .selectFrom('conversations as c')
    .select(columns('c', CONVERSATION_COLUMNS))
    .where(`c.${idColumn(id)}`, '=', id)
    .where('c.user_id', '=', userId)
    .executeTakeFirst();
  if (!row) throw notFound(`Conversation ${id}`);
  return row;
}

export async function createConversation(
  em: EntityManager,
  userId: string,
  input: z.infer<typeof conversationCreateInput>,
): Promise<ConversationDto> {
  const payload = {
    title: input.title ?? null,
    metadata: input.metadata ?? null,
    tags: input.tags ?? [],
    pinned: input.pinned ?? false,
  };
  const hash = requestHash(payload);
  const inserted = await db(em)
    .insertInto('conversations')
    .values({
      ...(input.id === undefined ? {} : { [idColumn(input.id)]: input.id }),
      user_id: userId,
      title: payload.title,
      metadata: payload.metadata === null ? null : jsonb(payload.metadata),
      tags: payload.tags,
      pinned: payload.pinned,
      request_hash: hash,
      search: titleSearchDocument(payload.title),
    })
    .onConflict((oc) => oc.doNothing())
    .returning(CONVERSATION_COLUMNS)
    .executeTakeFirst();
  if (inserted) return toConversationDto(inserted);
  const id = input.id as string;
  const existing = await findReplayable(em, userId, id);
  if (existing && existing.request_hash === hash) return toConversationDto(existing);
  throw conflict(`id: conversation ${id} already exists with a different payload`);
}

/** The stored conversation a create with this client id may be a replay of, with its request hash. */
function findReplayable(em: EntityManager, userId: string, id: string) {
  return db(em)
    .selectFrom('conversations as c')
    .select([...columns('c', CONVERSATION_COLUMNS), 'c.request_hash'])
    .where(`c.${idColumn(id)}`, '=', id)
    .where('c.user_id', '=', userId)
    .executeTakeFirst();
}

type ListInput = z.infer<typeof conversationListInput>;
type ListCursor = [boolean, string, string];
const isListCursor = (values: unknown[]): values is ListCursor =>
  values.length === 3 && typeof values[0] === 'boolean' && isTimestampText(values[1]) && isIdText(values[2]);

export async function listConversations(
  em: EntityManager,
  userId: string,
  input: ListInput,
  titleFilter?: RawBuilder<boolean>,
  limits: ListLimits = DEFAULT_LIST_LIMITS,
): Promise<{ items: ConversationDto[]; nextCursor: string | null }> {
  const cursor = input.cursor ? decodeCursor<ListCursor>(input.cursor, isListCursor) : undefined;
  const activity = sql<string>`coalesce(c.last_message_at, c.created_at)`;
  const rows = await db(em)
    .selectFrom('conversations as c')
    .select([
      ...columns('c', CONVERSATION_COLUMNS).filter((column) => column !== 'c.metadata'),
      // Large metadata stays out of lists (null there, whole in `conversation.get`), so a page stays small.
      sql<
        ConversationRecord['metadata']
      >`case when octet_length(c.metadata::text) <= ${limits.metadataBytes} then c.metadata end`.as('metadata'),
    ])
    .where('c.user_id', '=', userId)
    .where('c.deleted_at', input.trashed ? 'is not' : 'is', null)
    .$if(!input.trashed, (qb) => qb.where('c.archived_at', input.archived ? 'is not' : 'is', null))
    .$if(input.pinned !== undefined, (qb) => qb.where('c.pinned', '=', input.pinned as boolean))
    .$if(input.tag !== undefined, (qb) => qb.where('c.tags', '@>', sql<string[]>`array[${input.tag}]::text[]`))
    .$if(titleFilter !== undefined, (qb) => qb.where(titleFilter as RawBuilder<boolean>))
    // A row comparison in the order of idx_conversations_user_activity, so the page is one index range scan. The
    // tie-breaker is the row's own uuid: every row has one, whatever its id.
    .$if(cursor !== undefined, (qb) => {
      const [pinned, at, uuid] = cursor as ListCursor;
      return qb.where(sql<boolean>`(c.pinned, ${activity}, c.uuid) < (${pinned}, ${at}::timestamptz, ${uuid}::uuid)`);
    })
    .orderBy('c.pinned', 'desc')
    .orderBy(activity, 'desc')
    .orderBy('c.uuid', 'desc')
    .limit(input.limit + 1)
    .execute();
  const items = rows.slice(0, input.limit);
  const last = items.at(-1);
  // Timestamps are PostgreSQL's text (see Database), so the cursor keeps their microseconds.
  const nextCursor =
    rows.length > input.limit && last
      ? encodeCursor([last.pinned, last.last_message_at ?? last.created_at, last.uuid])
      : null;
  return { items: items.map(toConversationDto), nextCursor };
}

export async function updateConversation(
  em: EntityManager,
  userId: string,
  input: z.infer<typeof conversationUpdateInput>,
): Promise<ConversationDto> {
  const { title, metadata, tags, pinned, archived, expectedVersion } = input;
  const row = await db(em)
    .updateTable('conversations as c')
    .set((eb) => ({
      // Only the conversation's own document: messages are searched for what they say, so a rename rewrites none.
      ...(title === undefined ? {} : { title, search: titleSearchDocument(title) }),
      ...(metadata === undefined ? {} : { metadata: metadata === null ? null : jsonb(metadata) }),
      ...(tags === undefined
        ? {}
        : {
            tags: sql<string[]>`(select coalesce(array_agg(distinct value), '{}') from unnest(${tags}::text[]) value)`,
          }),
      ...(pinned === undefined ? {} : { pinned }),
      ...(archived === undefined
        ? {}
        : { archived_at: archived ? eb.fn.coalesce('c.archived_at', sql<string>`now()`) : null }),
      version: eb('c.version', '+', 1),
    }))
    .where(`c.${idColumn(input.id)}`, '=', input.id)
    .where('c.user_id', '=', userId)
    .$if(expectedVersion !== undefined, (qb) => qb.where('c.version', '=', expectedVersion as number))
    .returning(columns('c', CONVERSATION_COLUMNS))
    .executeTakeFirst();
  if (row) return toConversationDto(row);
  const current = await getConversation(em, userId, input.id);
  throw conflict(`expectedVersion: conversation ${input.id} is at version ${current.version}, not ${expectedVersion}`);
}

/** Trash and restore: `deleted_at` set or cleared; doing either twice is harmless. */
export async function setTrashed(
  em: EntityManager,
  userId: string,
  id: string,
  trashed: boolean,
): Promise<ConversationDto> {
  const row = await db(em)
    .updateTable('conversations as c')
    .set((eb) => ({ deleted_at: trashed ? eb.fn.coalesce('c.deleted_at', sql<string>`now()`) : null }))
    .where(`c.${idColumn(id)}`, '=', id)
    .where('c.user_id', '=', userId)
    .returning(columns('c', CONVERSATION_COLUMNS))
    .executeTakeFirst();
  if (!row) throw notFound(`Conversation ${id}`);
  return toConversationDto(row);
}

/** Removes a conversation for good; its messages, contexts and notes go with it (ON DELETE CASCADE). */
export async function purgeConversation(
  em: EntityManager,
  userId: string,
  id: string,
): Promise<{ id: string; purged: true }> {
  const row = await db(em)
    .deleteFrom('conversations as c')
    .where(`c.${idColumn(id)}`, '=', id)
    .where('c.user_id', '=', userId)
    .returning(['c.uuid', 'c.client_id'])
    .executeTakeFirst();
  if (!row) throw notFound(`Conversation ${id}`);
  return { id: externalId(row), purged: true };
}

/** Aggregates PostgreSQL computes in place (counts per day in a time zone, per role, per tool part): raw SQL. */
export async function conversationStats(
  em: EntityManager,
  userId: string,
  input: z.infer<typeof conversationStatsInput>,
): Promise<ConversationStats> {
  const where = [sql`c.user_id = ${userId}`, sql`c.deleted_at is null`];
  if (input.conversationId) {
    const conversation = await findConversation(em, userId, input.conversationId);
    where.push(sql`c.uuid = ${conversation.uuid}`);
  }
  const conversationWhere = sql.join(where, sql` and `);
  const messageWhere = sql.join(
    [
      ...where,
      ...(input.from ? [sql`m.created_at >= ${input.from}::timestamptz`] : []),
      ...(input.to ? [sql`m.created_at < ${input.to}::timestamptz`] : []),
    ],
    sql` and `,
  );
  const joined = sql`from messages m join conversations c on c.uuid = m.conversation_uuid`;
  const scope = sql`${joined} where ${messageWhere}`;
  const kysely = db(em);
  const [totals, perDay, perRole, perTool] = await Promise.all([
    sql<{ conversations: string; messages: string }>`
      select (select count(*) from conversations c where ${conversationWhere}) as conversations,
             (select count(*) ${scope}) as messages`.execute(kysely),
    sql<{ day: string; count: string }>`
      select to_char(m.created_at at time zone ${input.timeZone}, 'YYYY-MM-DD') as day, count(*) as count ${scope}
       group by 1 order by 1`.execute(kysely),
    sql<{ role: string; count: string }>`
      select m.role, count(*) as count ${scope} group by 1 order by 2 desc, 1`.execute(kysely),
    sql<{ tool: string; count: string }>`
      select coalesce(nullif(part->>'toolName', ''), substr(part->>'type', 6)) as tool, count(*) as count
        ${joined}, jsonb_array_elements(m.parts) as part where ${messageWhere}
         and ((part->>'type' like 'tool-%' and (part->>'type' <> 'tool-result' or part->>'state' is not null))
              or part->>'type' = 'dynamic-tool')
       group by 1 order by 2 desc, 1`.execute(kysely),
  ]);
  const total = totals.rows[0];
  return {
    conversations: Number(total?.conversations ?? 0),
    messages: Number(total?.messages ?? 0),
    perDay: perDay.rows.map((row) => ({ day: row.day, count: Number(row.count) })),
    perRole: perRole.rows.map((row) => ({ role: row.role, count: Number(row.count) })),
    perTool: perTool.rows.map((row) => ({ tool: row.tool, count: Number(row.count) })),
  };
}
