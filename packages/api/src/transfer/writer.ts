import { isUuid, messageSearchDocument, titleSearchDocument } from '@threadstore/shared';
import type { Database } from '@threadstore/shared/server';
import { type Kysely, sql } from 'kysely';
import { columnList } from '../db.ts';
import { titleFromText } from '../services/conversations.ts';
import { MESSAGE_COLUMNS } from '../services/messages.ts';
import { inTransaction, textArray, uuidArray } from './db.ts';
import type { ContextRecord, ConversationRecord, MessageRecord, NoteRecord, TransferRecord } from './records.ts';

// Bulk loading is PostgreSQL's job: each batch is a few multi-row `insert … select from jsonb_to_recordset($1)`
// statements written as SQL (Kysely's builder would send every value of every row as a parameter of its own),
// one JSON parameter per statement, never values spliced into the SQL, in one transaction; their column lists
// come from the entity-checked arrays below. `on conflict do nothing` on the rows' own ids makes a second run of
// the same input a no-op, so an interrupted import is finished by running it again. Lookups are typed queries.

const CONVERSATION_COLUMNS = [
  'uuid',
  'client_id',
  'user_id',
  'title',
  'created_at',
  'updated_at',
  'metadata',
  'pinned',
  'archived_at',
  'deleted_at',
  'tags',
  'version',
  'last_message_at',
  'message_seq',
  'search',
] as const satisfies readonly (keyof Database['conversations'])[];

// The message columns the services read, and the search document that imported rows need too.
const IMPORTED_MESSAGE_COLUMNS = [
  ...MESSAGE_COLUMNS,
  'search',
] as const satisfies readonly (keyof Database['messages'])[];

/** The batch's values in the order of IMPORTED_MESSAGE_COLUMNS, by name; a message without a uuid gets one here. */
const IMPORTED_MESSAGE_VALUES = sql.join(
  IMPORTED_MESSAGE_COLUMNS.map((name) =>
    name === 'uuid' ? sql`coalesce(r.uuid, gen_random_uuid())` : sql.ref(`r.${name}`),
  ),
);

const CONTEXT_COLUMNS = [
  'id',
  'user_id',
  'session_id',
  'action',
  'context_data',
  'metadata',
  'created_at',
  'updated_at',
  'version',
] as const satisfies readonly (keyof Database['contexts'])[];

const NOTE_COLUMNS = [
  'id',
  'user_id',
  'session_id',
  'action',
  'name',
  'context',
  'select_status',
  'metadata',
  'created_at',
  'updated_at',
  'version',
] as const satisfies readonly (keyof Database['notes'])[];

export interface WriteCounts {
  conversations: number;
  messages: number;
  contexts: number;
  notes: number;
  /** Records that were already there (an import run again, or resumed). */
  existing: number;
}

export const emptyCounts = (): WriteCounts => ({ conversations: 0, messages: 0, contexts: 0, notes: 0, existing: 0 });

// Search documents are made as records are read (see `prepare`), so the tokenizer runs while the batch before
// is being written, not between batches.
const searchDocuments = new WeakMap<MessageRecord, string>();

/** Does the per-record work that needs no database ahead of the batch's write. */
export function prepare(record: TransferRecord): void {
  if (record.type === 'message') searchDocuments.set(record, messageSearchDocument(record));
}

/** A record the database refuses, for a reason the importer words (another user's conversation, a taken id). */
export class ConflictingRecord extends Error {}

interface Key {
  id: string;
  userId: string;
}
const keyOf = (id: string, userId: string) => `${userId}\u0000${id}`;

const json = (value: unknown) => JSON.stringify(value);
const split = (id: string) => (isUuid(id) ? { uuid: id, client_id: null } : { uuid: null, client_id: id });

/** The conversations these records name, made when missing (a message's implied conversation has no row of its own). */
async function ensureConversations(
  kysely: Kysely<Database>,
  explicit: ConversationRecord[],
  implied: Map<string, Key & { createdAt: string; updatedAt: string; title: string | null }>,
  counts: WriteCounts,
): Promise<Map<string, string>> {
  const rows = [
    ...explicit.map((c) => ({
      ...split(c.id),
      user_id: c.userId,
      title: c.title,
      created_at: c.createdAt,
      updated_at: c.updatedAt,
      metadata: c.metadata,
      pinned: c.pinned,
      archived_at: c.archivedAt,
      deleted_at: c.deletedAt,
      tags: c.tags,
      version: c.version,
      last_message_at: c.lastMessageAt,
      message_seq: c.messageSeq,
      search: titleSearchDocument(c.title),
    })),
    ...[...implied.values()].map((c) => ({
      ...split(c.id),
      user_id: c.userId,
      title: c.title,
      created_at: c.createdAt,
      updated_at: c.updatedAt,
      search: titleSearchDocument(c.title),
    })),
  ];
  if (rows.length === 0) return new Map();
  // Bulk load: one statement, one parameter for the batch (see the top of this file).
  const { rows: inserted } = await sql<{ id: string; user_id: string }>`
    insert into conversations (${columnList(CONVERSATION_COLUMNS)})
    select coalesce(r.uuid, gen_random_uuid()), r.client_id, r.user_id, r.title, r.created_at, r.updated_at, r.metadata,
           coalesce(r.pinned, false), r.archived_at, r.deleted_at, coalesce(r.tags, '{}'), coalesce(r.version, 1),
           r.last_message_at, coalesce(r.message_seq, 0), r.search::tsvector
      from jsonb_to_recordset(${json(rows)}::jsonb) as r(uuid uuid, client_id text, user_id text, title text,
           created_at timestamptz, updated_at timestamptz, metadata jsonb, pinned boolean, archived_at timestamptz,
           deleted_at timestamptz, tags text[], version int, last_message_at timestamptz, message_seq bigint, search text)
    on conflict do nothing returning coalesce(client_id, uuid::text) as id, user_id`.execute(kysely);
  counts.conversations += inserted.length;
  const made = new Set(inserted.map((row) => keyOf(row.id, row.user_id)));
  counts.existing += explicit.filter((c) => !made.has(keyOf(c.id, c.userId))).length;
  const keys = rows.map((row) => ({ id: (row.uuid ?? row.client_id) as string, user_id: row.user_id }));
  const named = keys.filter((k) => !isUuid(k.id));
  // Client ids are unique per user: rows of other pairs that match both lists are never asked for below.
  const found = await kysely
    .selectFrom('conversations')
    .select(['uuid', 'client_id', 'user_id'])
    .where((eb) =>
      eb.or([
        eb('uuid', '=', eb.fn.any(uuidArray(keys.filter((k) => isUuid(k.id)).map((k) => k.id)))),
        eb.and([
          eb('client_id', '=', eb.fn.any(textArray(named.map((k) => k.id)))),
          eb('user_id', '=', eb.fn.any(textArray([...new Set(named.map((k) => k.user_id))]))),
        ]),
      ]),
    )
    .execute();
  const uuids = new Map<string, string>();
  for (const row of found) {
    uuids.set(keyOf(row.uuid, row.user_id), row.uuid);
    if (row.client_id !== null) uuids.set(keyOf(row.client_id, row.user_id), row.uuid);
  }
  for (const key of keys) {
    if (!uuids.has(keyOf(key.id, key.user_id))) {
      throw new ConflictingRecord(`conversation ${key.id} belongs to another user`);
    }
  }
  return uuids;
}

interface BatchOptions {
  /** Collects the conversations whose messages were given positions here (in the order given). */
  touched?: Set<string>;
  /** The records carry every field of their conversations (a threadstore export): no conversation time moves. */
  exact?: boolean;
}

/** Writes one batch in the caller's transaction; records refer to conversations in this batch or stored ones. */
export async function writeBatch(
  kysely: Kysely<Database>,
  records: readonly TransferRecord[],
  counts: WriteCounts,
  options: BatchOptions = {},
): Promise<void> {
  const explicit = records.filter((r): r is ConversationRecord => r.type === 'conversation');
  const declared = new Set(explicit.map((c) => keyOf(c.id, c.userId)));
  const implied = new Map<string, Key & { createdAt: string; updatedAt: string; title: string | null }>();
  for (const record of records) {
    if (record.type === 'conversation') continue;
    const id = record.type === 'message' ? record.conversationId : record.sessionId;
    const key = keyOf(id, record.userId);
    if (declared.has(key)) continue;
    const seen = implied.get(key);
    const title = record.type === 'message' && record.role === 'user' ? titleFromText(record.content ?? '') : null;
    if (!seen)
      implied.set(key, { id, userId: record.userId, createdAt: record.createdAt, updatedAt: record.createdAt, title });
    else {
      // Same-source times share one format, so text order is time order here.
      if (record.createdAt < seen.createdAt) seen.createdAt = record.createdAt;
      if (record.createdAt > seen.updatedAt) seen.updatedAt = record.createdAt;
      seen.title ??= title;
    }
  }
  const conversations = await ensureConversations(kysely, explicit, implied, counts);
  const uuidOf = (id: string, userId: string) => conversations.get(keyOf(id, userId)) as string;

  const messages = records.filter((r): r is MessageRecord => r.type === 'message');
  if (messages.length > 0) await writeMessages(kysely, messages, uuidOf, implied, counts, options);
  const contexts = records.filter((r): r is ContextRecord => r.type === 'context');
  if (contexts.length > 0) {
    const batch = json(
      contexts.map((c) => ({
        id: c.id,
        user_id: c.userId,
        session_id: uuidOf(c.sessionId, c.userId),
        action: c.action,
        context_data: c.contextData,
        metadata: c.metadata,
        created_at: c.createdAt,
        updated_at: c.updatedAt,
        version: c.version,
      })),
    );
    // Bulk load: one statement, one parameter for the batch.
    const { rows: inserted } = await sql`
      insert into contexts (${columnList(CONTEXT_COLUMNS)})
      select ${columnList(CONTEXT_COLUMNS, 'r')}
        from jsonb_to_recordset(${batch}::jsonb) as r(id uuid, user_id text, session_id uuid, action text,
             context_data jsonb, metadata jsonb, created_at timestamptz, updated_at timestamptz, version int)
      on conflict do nothing returning id`.execute(kysely);
    counts.contexts += inserted.length;
    counts.existing += contexts.length - inserted.length;
  }
  const notes = records.filter((r): r is NoteRecord => r.type === 'note');
  if (notes.length > 0) {
    const batch = json(
      notes.map((n) => ({
        id: n.id,
        user_id: n.userId,
        session_id: uuidOf(n.sessionId, n.userId),
        action: n.action,
        name: n.name,
        context: n.context,
        select_status: n.selectStatus,
        metadata: n.metadata,
        created_at: n.createdAt,
        updated_at: n.updatedAt,
        version: n.version,
      })),
    );
    // Bulk load: one statement, one parameter for the batch.
    const { rows: inserted } = await sql`
      insert into notes (${columnList(NOTE_COLUMNS)})
      select ${columnList(NOTE_COLUMNS, 'r')}
        from jsonb_to_recordset(${batch}::jsonb) as r(id uuid, user_id text, session_id uuid, action text, name text,
             context text, select_status int, metadata jsonb, created_at timestamptz, updated_at timestamptz, version int)
      on conflict do nothing returning id`.execute(kysely);
    counts.notes += inserted.length;
    counts.existing += notes.length - inserted.length;
  }
}

async function writeMessages(
  kysely: Kysely<Database>,
  messages: MessageRecord[],
  uuidOf: (id: string, userId: string) => string,
  implied: Map<string, Key & { title: string | null }>,
  counts: WriteCounts,
  options: BatchOptions,
): Promise<void> {
  const ids = new Set<string>();
  for (const message of messages) {
    if (ids.has(message.id)) throw new ConflictingRecord(`message ${message.id} appears twice`);
    ids.add(message.id);
  }
  const targets = [...new Set(messages.map((m) => uuidOf(m.conversationId, m.userId)))];
  // The conversations' rows are locked while their next positions are handed out, as appends do.
  const locked = await kysely
    .selectFrom('conversations')
    .select(['uuid', 'message_seq as seq'])
    .where((eb) => eb('uuid', '=', eb.fn.any(uuidArray(targets))))
    .orderBy('uuid')
    .forUpdate()
    .execute();
  const next = new Map(locked.map((row) => [row.uuid, Number(row.seq)]));
  const rows = messages.map((m) => {
    const conversation = uuidOf(m.conversationId, m.userId);
    let seq = m.seq;
    if (seq === null) {
      seq = (next.get(conversation) ?? 0) + 1;
      next.set(conversation, seq);
      options.touched?.add(conversation);
    }
    return {
      ...split(m.id),
      key: m.id,
      conversation_uuid: conversation,
      role: m.role,
      content: m.content,
      parts: m.parts,
      attachments: m.attachments,
      metadata: m.metadata,
      status: m.status,
      seq,
      created_at: m.createdAt,
      updated_at: m.updatedAt,
      search: searchDocuments.get(m) ?? messageSearchDocument(m),
    };
  });
  // Bulk load: one statement, one parameter for the batch.
  const { rows: inserted } = await sql<{ key: string; conversation: string; seq: string; created_at: string }>`
    insert into messages (${columnList(IMPORTED_MESSAGE_COLUMNS)})
    select ${IMPORTED_MESSAGE_VALUES}
      from jsonb_to_recordset(${json(rows)}::jsonb) as r(uuid uuid, client_id text, conversation_uuid uuid, role text,
           content text, parts jsonb, attachments jsonb, metadata jsonb, status text, seq bigint, created_at timestamptz,
           updated_at timestamptz, search tsvector)
    on conflict do nothing
    returning coalesce(client_id, uuid::text) as key, conversation_uuid as conversation, seq, created_at`.execute(
    kysely,
  );
  counts.messages += inserted.length;
  if (inserted.length < rows.length) {
    // Skipped rows must be this very message already stored, not another one holding its id or position.
    const written = new Set(inserted.map((row) => row.key));
    const skipped = rows.filter((row) => !written.has(row.key));
    const stored = await kysely
      .selectFrom('messages')
      .select(['uuid', 'client_id', 'conversation_uuid'])
      .where((eb) =>
        eb.or([
          eb('uuid', '=', eb.fn.any(uuidArray(skipped.flatMap((row) => row.uuid ?? [])))),
          eb('client_id', '=', eb.fn.any(textArray(skipped.flatMap((row) => row.client_id ?? [])))),
        ]),
      )
      .execute();
    const clash = skipped.find(
      (row) =>
        !stored.some(
          (m) =>
            m.conversation_uuid === row.conversation_uuid &&
            ((row.uuid !== null && m.uuid === row.uuid) || (row.client_id !== null && m.client_id === row.client_id)),
        ),
    );
    if (clash) {
      throw new ConflictingRecord(`message ${clash.key}: its id or position is taken by another message of the store`);
    }
    counts.existing += skipped.length;
  }
  const changes = new Map<string, { count: number; seq: number; last: string | null }>();
  // Positions given by the source count even when their row was already there; handed-out ones only when used.
  for (const [index, row] of rows.entries()) {
    const change = changes.get(row.conversation_uuid) ?? { count: 0, seq: 0, last: null };
    changes.set(row.conversation_uuid, change);
    if (messages[index]?.seq !== null) change.seq = Math.max(change.seq, row.seq);
  }
  for (const row of inserted) {
    const change = changes.get(row.conversation) as { count: number; seq: number; last: string | null };
    change.seq = Math.max(change.seq, Number(row.seq));
    change.count += 1;
    const at = new Date(row.created_at).toISOString();
    if (change.last === null || at > change.last) change.last = at;
  }
  const impliedUuids = new Set([...implied.values()].map((c) => uuidOf(c.id, c.userId)));
  const updates = json(
    [...changes].map(([uuid, change]) => ({ uuid, ...change, implied: !options.exact && impliedUuids.has(uuid) })),
  );
  // Bulk update: every conversation of the batch moves in one statement, from one parameter.
  await sql`
    update conversations c set message_seq = greatest(c.message_seq, r.seq), message_count = c.message_count + r.count,
           last_message_at = greatest(c.last_message_at, r.last),
           updated_at = case when r.implied then greatest(c.updated_at, r.last) else c.updated_at end
      from jsonb_to_recordset(${updates}::jsonb) as r(uuid uuid, seq bigint, count int, last timestamptz, implied boolean)
     where c.uuid = r.uuid`.execute(kysely);
}

/**
 * Puts the messages of these conversations in `created_at` order (ties keep the order they were given), for
 * sources whose rows carry their time but may come in any order. Conversations already in order are not touched.
 */
export async function orderByCreatedAt(kysely: Kysely<Database>, conversations: readonly string[]): Promise<number> {
  let reordered = 0;
  for (let start = 0; start < conversations.length; start += 1000) {
    const chunk = conversations.slice(start, start + 1000);
    await inTransaction(kysely, async (trx) => {
      const out = await trx
        .selectFrom((eb) =>
          eb
            .selectFrom('messages')
            .select((m) => [
              'conversation_uuid',
              m(
                'created_at',
                '<',
                m.fn
                  .agg<string>('lag', ['created_at'])
                  .over((ob) => ob.partitionBy('conversation_uuid').orderBy('seq')),
              ).as('back'),
            ])
            .where((m) => m('conversation_uuid', '=', m.fn.any(uuidArray(chunk))))
            .as('m'),
        )
        .select('m.conversation_uuid as uuid')
        .distinct()
        .where('m.back', '=', true)
        .execute();
      if (out.length === 0) return;
      const list = out.map((row) => row.uuid);
      // Two steps, because (conversation_uuid, seq) stays unique at every row.
      await trx
        .updateTable('messages')
        .set((eb) => ({ seq: eb.neg('seq') }))
        .where((eb) => eb('conversation_uuid', '=', eb.fn.any(uuidArray(list))))
        .execute();
      await trx
        .updateTable('messages as m')
        .from((eb) =>
          eb
            .selectFrom('messages')
            .select((o) => [
              'id',
              o.fn
                .agg<string>('row_number')
                .over((ob) => ob.partitionBy('conversation_uuid').orderBy('created_at').orderBy(o.neg('seq')))
                .as('n'),
            ])
            .where((o) => o('conversation_uuid', '=', o.fn.any(uuidArray(list))))
            .as('o'),
        )
        .set((eb) => ({ seq: eb.ref('o.n') }))
        .whereRef('m.id', '=', 'o.id')
        .execute();
      reordered += out.length;
    });
  }
  return reordered;
}
