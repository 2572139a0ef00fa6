import type { EntityManager } from '@mikro-orm/postgresql';
import type {
  NoteDto,
  NoteSummary,
  noteCreateInput,
  noteKeyInput,
  noteListInput,
  noteSetSelectionsInput,
  noteUpdateInput,
} from '@threadstore/shared';
import type { Database } from '@threadstore/shared/server';
import { type Selectable, sql } from 'kysely';
import type { z } from 'zod';
import { columns, db, jsonb, requestHash, toIso } from '../db.ts';
import { conflict, notFound } from '../errors.ts';
import { lockConversation } from './conversations.ts';
import { replayInSession } from './replay.ts';
import { findSession, sessionPage } from './sessions.ts';

// As with contexts, reads filter on the caller's user_id (see sessions.ts): another user's session has no notes
// to show, so `getByName` is NOT_FOUND and `list` and `summary` come back empty. Only `create` makes a session;
// the other writes change notes that must already be the caller's.

const NOTE_COLUMNS = [
  'id',
  'action',
  'name',
  'context',
  'select_status',
  'metadata',
  'version',
  'created_at',
  'updated_at',
] as const satisfies readonly (keyof Database['notes'])[];

type NoteRecord = Pick<Selectable<Database['notes']>, (typeof NOTE_COLUMNS)[number]>;

// The session id goes back as the caller named it, not as the internal uuid stored here.
function toNoteDto(row: NoteRecord, sessionId: string): NoteDto {
  return {
    id: row.id,
    sessionId,
    action: row.action,
    name: row.name,
    context: row.context,
    selectStatus: row.select_status,
    metadata: row.metadata,
    version: row.version,
    createdAt: toIso(row.created_at),
    updatedAt: toIso(row.updated_at),
  };
}

const noteName = (sessionId: string, name: string) => `Note "${name}" of session ${sessionId}`;

/** The seeds' `create_note`. */
export async function createNote(
  em: EntityManager,
  userId: string,
  input: z.infer<typeof noteCreateInput>,
): Promise<NoteDto> {
  const { uuid: session } = await lockConversation(em, userId, input.sessionId);
  const note = {
    action: input.action,
    name: input.name,
    context: input.context,
    select_status: input.selectStatus ?? 0,
    metadata: input.metadata ?? {},
  };
  const hash = requestHash(note);
  if (input.id) {
    const stored = await db(em)
      .selectFrom('notes as n')
      .select([...columns('n', NOTE_COLUMNS), 'n.user_id', 'n.session_id', 'n.request_hash'])
      .where('n.id', '=', input.id)
      .executeTakeFirst();
    const replay = replayInSession(stored, { hash, userId, session }, `note ${input.id}`);
    if (replay) return toNoteDto(replay, input.sessionId);
  }
  const row = await db(em)
    .insertInto('notes')
    .values({
      ...(input.id === undefined ? {} : { id: input.id }),
      user_id: userId,
      session_id: session,
      ...note,
      metadata: jsonb(note.metadata),
      request_hash: hash,
    })
    .onConflict((oc) => oc.columns(['user_id', 'session_id', 'name']).doNothing())
    .returning(NOTE_COLUMNS)
    .executeTakeFirst();
  if (!row) throw conflict(`name: session ${input.sessionId} already has a note named "${input.name}"`);
  return toNoteDto(row, input.sessionId);
}

export async function getNoteByName(
  em: EntityManager,
  userId: string,
  input: z.infer<typeof noteKeyInput>,
): Promise<NoteDto> {
  const session = await findSession(em, userId, input.sessionId);
  const row =
    session &&
    (await db(em)
      .selectFrom('notes as n')
      .select(columns('n', NOTE_COLUMNS))
      .where('n.user_id', '=', userId)
      .where('n.session_id', '=', session)
      .where('n.name', '=', input.name)
      .executeTakeFirst());
  if (!row) throw notFound(noteName(input.sessionId, input.name));
  return toNoteDto(row, input.sessionId);
}

export async function listNotes(
  em: EntityManager,
  userId: string,
  input: z.infer<typeof noteListInput>,
): Promise<{ items: NoteDto[]; nextCursor: string | null }> {
  const session = await findSession(em, userId, input.sessionId);
  const { rows, nextCursor } = await sessionPage(
    db(em)
      .selectFrom('notes as n')
      .select(columns('n', NOTE_COLUMNS))
      .where('n.user_id', '=', userId)
      .where(sql<boolean>`n.session_id = ${session}`)
      .$if(input.action !== undefined, (qb) => qb.where('n.action', '=', input.action as string)),
    input,
  );
  return { items: rows.map((row) => toNoteDto(row, input.sessionId)), nextCursor };
}

export async function updateNote(
  em: EntityManager,
  userId: string,
  input: z.infer<typeof noteUpdateInput>,
): Promise<NoteDto> {
  const session = await findSession(em, userId, input.sessionId);
  if (!session) throw notFound(noteName(input.sessionId, input.name));
  const { context, metadata, expectedVersion } = input;
  const row = await db(em)
    .updateTable('notes as n')
    .set((eb) => ({
      ...(context === undefined ? {} : { context }),
      ...(metadata === undefined ? {} : { metadata: jsonb(metadata) }),
      version: eb('n.version', '+', 1),
      request_hash: null,
    }))
    .where('n.user_id', '=', userId)
    .where('n.session_id', '=', session)
    .where('n.name', '=', input.name)
    .$if(expectedVersion !== undefined, (qb) => qb.where('n.version', '=', expectedVersion as number))
    .returning(columns('n', NOTE_COLUMNS))
    .executeTakeFirst();
  if (row) return toNoteDto(row, input.sessionId);
  const current = await getNoteByName(em, userId, input);
  throw conflict(
    `expectedVersion: ${noteName(input.sessionId, input.name)} is at version ${current.version}, not ${expectedVersion}`,
  );
}

export async function deleteNote(
  em: EntityManager,
  userId: string,
  input: z.infer<typeof noteKeyInput>,
): Promise<{ id: string; name: string; deleted: true }> {
  const session = await findSession(em, userId, input.sessionId);
  const row =
    session &&
    (await db(em)
      .deleteFrom('notes as n')
      .where('n.user_id', '=', userId)
      .where('n.session_id', '=', session)
      .where('n.name', '=', input.name)
      .returning(['n.id', 'n.name'])
      .executeTakeFirst());
  if (!row) throw notFound(noteName(input.sessionId, input.name));
  return { id: row.id, name: row.name, deleted: true };
}

/**
 * The seeds' `batch_update_selections`, as one UPDATE. A name that is not there fails the call after the
 * UPDATE ran; the throw rolls the mutation's transaction back, so either every note changes or none does.
 */
export async function setSelections(
  em: EntityManager,
  userId: string,
  input: z.infer<typeof noteSetSelectionsInput>,
): Promise<NoteDto[]> {
  const session = await findSession(em, userId, input.sessionId);
  const selections = sql<{ key: string; value: string }>`jsonb_each_text(${JSON.stringify(input.selections)}::jsonb)`;
  const rows = await db(em)
    .with('changed', (qb) =>
      qb
        .updateTable('notes as n')
        .from(selections.as('s'))
        .set((eb) => ({
          select_status: sql<number>`s.value::int`,
          version: eb('n.version', '+', 1),
          request_hash: null,
        }))
        .whereRef('n.name', '=', 's.key')
        .where('n.user_id', '=', userId)
        .where(sql<boolean>`n.session_id = ${session}`)
        .returning(columns('n', NOTE_COLUMNS)),
    )
    .selectFrom('changed')
    .selectAll()
    .orderBy('name')
    .execute();
  const found = new Set(rows.map((row) => row.name));
  const missing = Object.keys(input.selections).filter((name) => !found.has(name));
  if (missing.length > 0) {
    const names = missing.map((name) => JSON.stringify(name)).join(', ');
    throw notFound(`${missing.length === 1 ? 'Note' : 'Notes'} ${names} of session ${input.sessionId}`);
  }
  return rows.map((row) => toNoteDto(row, input.sessionId));
}

/** The seeds' `get_notes_summary`, in one statement: aggregates PostgreSQL builds in place, so raw SQL. */
export async function notesSummary(em: EntityManager, userId: string, sessionId: string): Promise<NoteSummary> {
  const session = await findSession(em, userId, sessionId);
  type SummaryRow = Omit<NoteSummary, 'total' | 'selected'> & { total: string; selected: string };
  // A select of scalar subqueries makes exactly one row, notes or none.
  const { rows } = await sql<SummaryRow>`
    with s as (select action, name, select_status from notes where user_id = ${userId} and session_id = ${session})
    select (select count(*) from s) as total,
           (select count(*) from s where select_status <> 0) as selected,
           (select coalesce(jsonb_agg(name order by name), '[]') from s where select_status <> 0) as "selectedNames",
           (select coalesce(jsonb_agg(jsonb_build_object('action', action, 'count', count) order by action), '[]')
              from (select action, count(*) from s group by action) a) as "perAction",
           (select coalesce(jsonb_agg(jsonb_build_object('selectStatus', select_status, 'count', count)
                                      order by select_status), '[]')
              from (select select_status, count(*) from s group by select_status) b) as "perSelectStatus"`.execute(
    db(em),
  );
  const row = rows[0] as SummaryRow;
  return { ...row, total: Number(row.total), selected: Number(row.selected) };
}
