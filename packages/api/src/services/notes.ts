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
import type { z } from 'zod';
import { conflict, notFound } from '../errors.ts';
import { query, queryOne, toIso } from '../sql.ts';
import { lockConversation } from './conversations.ts';
import { conversationUuid } from './ids.ts';
import { sessionPage } from './session-page.ts';

// As with contexts, reads filter on the caller's user_id: another user's session has no notes to show, so
// `getByName` is NOT_FOUND and `list` and `summary` come back empty. Only `create` makes a session; the other
// writes change notes that must already be the caller's.

// The session id goes back as the caller named it (see toNoteDto), not as the internal uuid stored here.
const NOTE_COLUMNS = `n.id, n.action, n.name, n.context, n.select_status as "selectStatus",
  n.metadata, n.version, n.created_at as "createdAt", n.updated_at as "updatedAt"`;

interface NoteRow {
  id: string;
  action: string;
  name: string;
  context: string;
  selectStatus: number;
  metadata: Record<string, unknown>;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

function toNoteDto(row: NoteRow, sessionId: string): NoteDto {
  return {
    id: row.id,
    sessionId,
    action: row.action,
    name: row.name,
    context: row.context,
    selectStatus: Number(row.selectStatus),
    metadata: row.metadata,
    version: Number(row.version),
    createdAt: toIso(row.createdAt),
    updatedAt: toIso(row.updatedAt),
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
  const payload = [
    session,
    input.action,
    input.name,
    input.context,
    input.selectStatus ?? 0,
    JSON.stringify(input.metadata ?? {}),
  ];
  if (input.id) {
    const stored = await queryOne<NoteRow & { samePayload: boolean }>(
      em,
      `select ${NOTE_COLUMNS}, (n.user_id = ? and n.session_id = ? and n.action = ? and n.name = ? and n.context = ?
              and n.select_status = ? and n.metadata = ?::jsonb) as "samePayload"
         from notes n where n.id = ?`,
      [userId, ...payload, input.id],
    );
    if (stored?.samePayload) return toNoteDto(stored, input.sessionId);
    if (stored) throw conflict(`id: note ${input.id} already exists with a different payload`);
  }
  const row = await queryOne<NoteRow>(
    em,
    `insert into notes as n (id, user_id, session_id, action, name, context, select_status, metadata)
     values (coalesce(?::uuid, gen_random_uuid()), ?, ?, ?, ?, ?, ?, ?::jsonb)
     on conflict (user_id, session_id, name) do nothing
     returning ${NOTE_COLUMNS}`,
    [input.id ?? null, userId, ...payload],
  );
  if (!row) throw conflict(`name: session ${input.sessionId} already has a note named "${input.name}"`);
  return toNoteDto(row, input.sessionId);
}

export async function getNoteByName(
  em: EntityManager,
  userId: string,
  input: z.infer<typeof noteKeyInput>,
): Promise<NoteDto> {
  const session = await conversationUuid(em, userId, input.sessionId);
  const row =
    session &&
    (await queryOne<NoteRow>(
      em,
      `select ${NOTE_COLUMNS} from notes n where n.user_id = ? and n.session_id = ? and n.name = ?`,
      [userId, session, input.name],
    ));
  if (!row) throw notFound(noteName(input.sessionId, input.name));
  return toNoteDto(row, input.sessionId);
}

export async function listNotes(
  em: EntityManager,
  userId: string,
  input: z.infer<typeof noteListInput>,
): Promise<{ items: NoteDto[]; nextCursor: string | null }> {
  const session = await conversationUuid(em, userId, input.sessionId);
  // An unknown session (null) matches no row, and a bad cursor is still refused as it would be for a known one.
  const where = ['n.user_id = ?', 'n.session_id = ?'];
  const params: unknown[] = [userId, session ?? null];
  if (input.action !== undefined) {
    where.push('n.action = ?');
    params.push(input.action);
  }
  const { rows, nextCursor } = await sessionPage<NoteRow>(
    em,
    { table: 'notes', alias: 'n', columns: NOTE_COLUMNS, where, params },
    input,
  );
  return { items: rows.map((row) => toNoteDto(row, input.sessionId)), nextCursor };
}

export async function updateNote(
  em: EntityManager,
  userId: string,
  input: z.infer<typeof noteUpdateInput>,
): Promise<NoteDto> {
  const session = await conversationUuid(em, userId, input.sessionId);
  if (!session) throw notFound(noteName(input.sessionId, input.name));
  const row = await queryOne<NoteRow>(
    em,
    `update notes n set context = coalesce(?, n.context), metadata = coalesce(?::jsonb, n.metadata),
            version = n.version + 1
      where n.user_id = ? and n.session_id = ? and n.name = ? and (?::int is null or n.version = ?::int)
      returning ${NOTE_COLUMNS}`,
    [
      input.context ?? null,
      input.metadata === undefined ? null : JSON.stringify(input.metadata),
      userId,
      session,
      input.name,
      input.expectedVersion ?? null,
      input.expectedVersion ?? null,
    ],
  );
  if (row) return toNoteDto(row, input.sessionId);
  const current = await getNoteByName(em, userId, input);
  throw conflict(
    `expectedVersion: ${noteName(input.sessionId, input.name)} is at version ${current.version}, not ${input.expectedVersion}`,
  );
}

export async function deleteNote(
  em: EntityManager,
  userId: string,
  input: z.infer<typeof noteKeyInput>,
): Promise<{ id: string; name: string; deleted: true }> {
  const session = await conversationUuid(em, userId, input.sessionId);
  const row =
    session &&
    (await queryOne<{ id: string; name: string }>(
      em,
      'delete from notes n where n.user_id = ? and n.session_id = ? and n.name = ? returning n.id, n.name',
      [userId, session, input.name],
    ));
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
  const session = await conversationUuid(em, userId, input.sessionId);
  const rows = await query<NoteRow>(
    em,
    `with changed as (
       update notes n set select_status = s.value::int, version = n.version + 1
         from jsonb_each_text(?::jsonb) as s(key, value)
        where n.user_id = ? and n.session_id = ? and n.name = s.key
        returning ${NOTE_COLUMNS})
     select * from changed order by name`,
    [JSON.stringify(input.selections), userId, session ?? null],
  );
  const found = new Set(rows.map((row) => row.name));
  const missing = Object.keys(input.selections).filter((name) => !found.has(name));
  if (missing.length > 0) {
    const names = missing.map((name) => JSON.stringify(name)).join(', ');
    throw notFound(`${missing.length === 1 ? 'Note' : 'Notes'} ${names} of session ${input.sessionId}`);
  }
  return rows.map((row) => toNoteDto(row, input.sessionId));
}

/** The seeds' `get_notes_summary`, in one statement. */
export async function notesSummary(em: EntityManager, userId: string, sessionId: string): Promise<NoteSummary> {
  const session = (await conversationUuid(em, userId, sessionId)) ?? null;
  type SummaryRow = Omit<NoteSummary, 'total' | 'selected'> & { total: string; selected: string };
  // A select of scalar subqueries makes exactly one row, notes or none.
  const [row] = (await query<SummaryRow>(
    em,
    `with s as (select action, name, select_status from notes where user_id = ? and session_id = ?)
     select (select count(*) from s) as total,
            (select count(*) from s where select_status <> 0) as selected,
            (select coalesce(jsonb_agg(name order by name), '[]') from s where select_status <> 0) as "selectedNames",
            (select coalesce(jsonb_agg(jsonb_build_object('action', action, 'count', count) order by action), '[]')
               from (select action, count(*) from s group by action) a) as "perAction",
            (select coalesce(jsonb_agg(jsonb_build_object('selectStatus', select_status, 'count', count)
                                       order by select_status), '[]')
               from (select select_status, count(*) from s group by select_status) b) as "perSelectStatus"`,
    [userId, session],
  )) as [SummaryRow];
  return { ...row, total: Number(row.total), selected: Number(row.selected) };
}
