import type { EntityManager } from '@mikro-orm/postgresql';
import {
  type ConversationDto,
  type ConversationStats,
  type conversationCreateInput,
  type conversationListInput,
  type conversationStatsInput,
  type conversationUpdateInput,
  isUuid,
  titleSearchDocument,
} from '@threadstore/shared';
import { TRPCError } from '@trpc/server';
import type { z } from 'zod';
import { DEFAULT_LIST_LIMITS, type ListLimits } from '../context.ts';
import { decodeCursor, encodeCursor, isIdText, isTimestampText } from '../cursor.ts';
import { conflict, notFound } from '../errors.ts';
import { query, queryOne, requestHash, toIso, toIsoOrNull } from '../sql.ts';
import { externalId, whereConversation } from './ids.ts';

export const CONVERSATION_COLUMNS = `${externalId('c')} as id, c.uuid, c.user_id as "userId", c.title, c.metadata, c.pinned, c.tags,
  c.archived_at as "archivedAt", c.deleted_at as "deletedAt", c.last_message_at as "lastMessageAt",
  c.message_count as "messageCount", c.version, c.created_at as "createdAt", c.updated_at as "updatedAt"`;

export interface ConversationRow {
  id: string;
  /** Internal: the row's own uuid, which is not the id when the client gave one of its own. */
  uuid: string;
  userId: string;
  title: string | null;
  metadata: Record<string, unknown> | null;
  pinned: boolean;
  tags: string[];
  archivedAt: Date | null;
  deletedAt: Date | null;
  lastMessageAt: Date | null;
  messageCount: number;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export function toConversationDto(row: ConversationRow): ConversationDto {
  return {
    id: row.id,
    userId: row.userId,
    title: row.title,
    metadata: row.metadata,
    pinned: row.pinned,
    tags: row.tags,
    archivedAt: toIsoOrNull(row.archivedAt),
    deletedAt: toIsoOrNull(row.deletedAt),
    lastMessageAt: toIsoOrNull(row.lastMessageAt),
    messageCount: Number(row.messageCount),
    version: Number(row.version),
    createdAt: toIso(row.createdAt),
    updatedAt: toIso(row.updatedAt),
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
): Promise<{ titled: boolean; uuid: string }> {
  const where = whereConversation('c', conversationId, userId);
  const lock = `select c.uuid, c.user_id as "userId", c.deleted_at as "deletedAt", c.title is not null as titled
                  from conversations c where ${where.sql} for update`;
  type Locked = { uuid: string; userId: string; deletedAt: Date | null; titled: boolean };
  let row = await queryOne<Locked>(em, lock, where.params);
  if (!row) {
    await query(
      em,
      isUuid(conversationId)
        ? 'insert into conversations (uuid, user_id) values (?, ?) on conflict (uuid) do nothing'
        : 'insert into conversations (client_id, user_id) values (?, ?) on conflict (user_id, client_id) do nothing',
      [conversationId, userId],
    );
    row = await queryOne<Locked>(em, lock, where.params);
  }
  if (!row || row.userId !== userId) throw notFound(`Conversation ${conversationId}`);
  if (row.deletedAt) {
    throw new TRPCError({
      code: 'NOT_FOUND',
      message: `Conversation ${conversationId} is in the trash; restore it first.`,
    });
  }
  return { titled: row.titled, uuid: row.uuid };
}

export async function getConversation(em: EntityManager, userId: string, id: string): Promise<ConversationDto> {
  return toConversationDto(await findConversation(em, userId, id));
}

async function findConversation(em: EntityManager, userId: string, id: string): Promise<ConversationRow> {
  const where = whereConversation('c', id, userId);
  const row = await queryOne<ConversationRow>(
    em,
    `select ${CONVERSATION_COLUMNS} from conversations c where ${where.sql} and c.user_id = ?`,
    [...where.params, userId],
  );
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
  const inserted = await queryOne<ConversationRow>(
    em,
    `insert into conversations as c (uuid, client_id, user_id, title, metadata, tags, pinned, request_hash, search)
     values (coalesce(?::uuid, gen_random_uuid()), ?, ?, ?, ?::jsonb, (select coalesce(array_agg(value), '{}') from jsonb_array_elements_text(?::jsonb)), ?, ?, ?::tsvector)
     on conflict do nothing
     returning ${CONVERSATION_COLUMNS}`,
    [
      input.id !== undefined && isUuid(input.id) ? input.id : null,
      input.id !== undefined && !isUuid(input.id) ? input.id : null,
      userId,
      payload.title,
      payload.metadata === null ? null : JSON.stringify(payload.metadata),
      JSON.stringify(payload.tags),
      payload.pinned,
      hash,
      titleSearchDocument(payload.title),
    ],
  );
  if (inserted) return toConversationDto(inserted);
  const where = whereConversation('c', input.id as string, userId);
  const existing = await queryOne<ConversationRow & { requestHash: string | null }>(
    em,
    `select ${CONVERSATION_COLUMNS}, c.request_hash as "requestHash" from conversations c where ${where.sql}`,
    where.params,
  );
  if (existing && existing.userId === userId && existing.requestHash === hash) return toConversationDto(existing);
  throw conflict(`id: conversation ${input.id} already exists with a different payload`);
}

type ListInput = z.infer<typeof conversationListInput>;
type ListCursor = [boolean, string, string];
const isListCursor = (values: unknown[]): values is ListCursor =>
  values.length === 3 && typeof values[0] === 'boolean' && isTimestampText(values[1]) && isIdText(values[2]);

export async function listConversations(
  em: EntityManager,
  userId: string,
  input: ListInput,
  titleFilter?: { sql: string; params: unknown[] },
  limits: ListLimits = DEFAULT_LIST_LIMITS,
): Promise<{ items: ConversationDto[]; nextCursor: string | null }> {
  const where = ['c.user_id = ?'];
  const params: unknown[] = [userId];
  where.push(input.trashed ? 'c.deleted_at is not null' : 'c.deleted_at is null');
  if (!input.trashed) where.push(input.archived ? 'c.archived_at is not null' : 'c.archived_at is null');
  if (input.pinned !== undefined) {
    where.push('c.pinned = ?');
    params.push(input.pinned);
  }
  if (input.tag) {
    where.push('c.tags @> array[?]::text[]');
    params.push(input.tag);
  }
  if (titleFilter) {
    where.push(titleFilter.sql);
    params.push(...titleFilter.params);
  }
  if (input.cursor) {
    // The tie-breaker is the row's own uuid: every row has one, whatever its id.
    const [pinned, activity, uuid] = decodeCursor<ListCursor>(input.cursor, isListCursor);
    where.push('(c.pinned, coalesce(c.last_message_at, c.created_at), c.uuid) < (?, ?::timestamptz, ?::uuid)');
    params.push(pinned, activity, uuid);
  }
  // Timestamps travel in the cursor as PostgreSQL text: microseconds survive, which a JS Date would drop.
  const rows = await query<ConversationRow & { activityKey: string }>(
    em,
    // Large metadata stays out of lists (null there, whole in `conversation.get`), so a page stays small.
    `select ${CONVERSATION_COLUMNS.replace('c.metadata,', 'case when octet_length(c.metadata::text) <= ? then c.metadata end as metadata,')},
            coalesce(c.last_message_at, c.created_at)::text as "activityKey"
       from conversations c where ${where.join(' and ')}
      order by c.pinned desc, coalesce(c.last_message_at, c.created_at) desc, c.uuid desc
      limit ?`,
    [limits.metadataBytes, ...params, input.limit + 1],
  );
  const items = rows.slice(0, input.limit);
  const last = items.at(-1);
  const nextCursor =
    rows.length > input.limit && last ? encodeCursor([last.pinned, last.activityKey, last.uuid]) : null;
  return { items: items.map(toConversationDto), nextCursor };
}

export async function updateConversation(
  em: EntityManager,
  userId: string,
  input: z.infer<typeof conversationUpdateInput>,
): Promise<ConversationDto> {
  const sets: string[] = [];
  const params: unknown[] = [];
  if (input.title !== undefined) {
    // Only the conversation's own document: messages are searched for what they say, so a rename rewrites none.
    sets.push('title = ?', 'search = ?::tsvector');
    params.push(input.title, titleSearchDocument(input.title));
  }
  if (input.metadata !== undefined) {
    sets.push('metadata = ?::jsonb');
    params.push(input.metadata === null ? null : JSON.stringify(input.metadata));
  }
  if (input.tags !== undefined) {
    sets.push(`tags = (select coalesce(array_agg(distinct value), '{}') from jsonb_array_elements_text(?::jsonb))`);
    params.push(JSON.stringify(input.tags));
  }
  if (input.pinned !== undefined) {
    sets.push('pinned = ?');
    params.push(input.pinned);
  }
  if (input.archived !== undefined)
    sets.push(input.archived ? 'archived_at = coalesce(archived_at, now())' : 'archived_at = null');
  sets.push('version = version + 1');
  const where = whereConversation('c', input.id, userId);
  const row = await queryOne<ConversationRow>(
    em,
    `update conversations c set ${sets.join(', ')}
      where ${where.sql} and c.user_id = ? and (?::int is null or c.version = ?::int)
      returning ${CONVERSATION_COLUMNS}`,
    [...params, ...where.params, userId, input.expectedVersion ?? null, input.expectedVersion ?? null],
  );
  if (row) return toConversationDto(row);
  const current = await getConversation(em, userId, input.id);
  throw conflict(
    `expectedVersion: conversation ${input.id} is at version ${current.version}, not ${input.expectedVersion}`,
  );
}

/** Trash and restore: `deleted_at` set or cleared; doing either twice is harmless. */
export async function setTrashed(
  em: EntityManager,
  userId: string,
  id: string,
  trashed: boolean,
): Promise<ConversationDto> {
  const where = whereConversation('c', id, userId);
  const row = await queryOne<ConversationRow>(
    em,
    `update conversations c set deleted_at = ${trashed ? 'coalesce(c.deleted_at, now())' : 'null'}
      where ${where.sql} and c.user_id = ? returning ${CONVERSATION_COLUMNS}`,
    [...where.params, userId],
  );
  if (!row) throw notFound(`Conversation ${id}`);
  return toConversationDto(row);
}

/** Removes a conversation for good; its messages, contexts and notes go with it (ON DELETE CASCADE). */
export async function purgeConversation(
  em: EntityManager,
  userId: string,
  id: string,
): Promise<{ id: string; purged: true }> {
  const where = whereConversation('c', id, userId);
  const row = await queryOne<{ id: string }>(
    em,
    `delete from conversations c where ${where.sql} and c.user_id = ? returning ${externalId('c')} as id`,
    [...where.params, userId],
  );
  if (!row) throw notFound(`Conversation ${id}`);
  return { id: row.id, purged: true };
}

export async function conversationStats(
  em: EntityManager,
  userId: string,
  input: z.infer<typeof conversationStatsInput>,
): Promise<ConversationStats> {
  const where = ['c.user_id = ?', 'c.deleted_at is null'];
  const params: unknown[] = [userId];
  if (input.conversationId) {
    const conversation = await findConversation(em, userId, input.conversationId);
    where.push('c.uuid = ?');
    params.push(conversation.uuid);
  }
  const conversationWhere = where.join(' and ');
  const messageWhere = [...where];
  const messageParams = [...params];
  if (input.from) {
    messageWhere.push('m.created_at >= ?::timestamptz');
    messageParams.push(input.from);
  }
  if (input.to) {
    messageWhere.push('m.created_at < ?::timestamptz');
    messageParams.push(input.to);
  }
  const joined = 'from messages m join conversations c on c.uuid = m.conversation_uuid';
  const scope = `${joined} where ${messageWhere.join(' and ')}`;
  const [totals, perDay, perRole, perTool] = await Promise.all([
    queryOne<{ conversations: string; messages: string }>(
      em,
      `select (select count(*) from conversations c where ${conversationWhere}) as conversations, (select count(*) ${scope}) as messages`,
      [...params, ...messageParams],
    ),
    query<{ day: string; count: string }>(
      em,
      `select to_char(m.created_at at time zone ?, 'YYYY-MM-DD') as day, count(*) as count ${scope} group by 1 order by 1`,
      [input.timeZone, ...messageParams],
    ),
    query<{ role: string; count: string }>(
      em,
      `select m.role, count(*) as count ${scope} group by 1 order by 2 desc, 1`,
      messageParams,
    ),
    query<{ tool: string; count: string }>(
      em,
      `select coalesce(nullif(part->>'toolName', ''), substr(part->>'type', 6)) as tool, count(*) as count
         ${joined}, jsonb_array_elements(m.parts) as part where ${messageWhere.join(' and ')}
          and ((part->>'type' like 'tool-%' and (part->>'type' <> 'tool-result' or part->>'state' is not null))
               or part->>'type' = 'dynamic-tool')
        group by 1 order by 2 desc, 1`,
      messageParams,
    ),
  ]);
  return {
    conversations: Number(totals?.conversations ?? 0),
    messages: Number(totals?.messages ?? 0),
    perDay: perDay.map((row) => ({ day: row.day, count: Number(row.count) })),
    perRole: perRole.map((row) => ({ role: row.role, count: Number(row.count) })),
    perTool: perTool.map((row) => ({ tool: row.tool, count: Number(row.count) })),
  };
}
