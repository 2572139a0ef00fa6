import type { EntityManager } from '@mikro-orm/postgresql';
import {
  type ContextDto,
  type contextDeleteInput,
  type contextKeyInput,
  type contextListInput,
  type contextSaveInput,
  type contextSetFieldInput,
  fitsContextLimit,
  jsonByteLength,
  MAX_CONTEXT_BYTES,
} from '@threadstore/shared';
import type { Database } from '@threadstore/shared/server';
import { type RawBuilder, type Selectable, sql } from 'kysely';
import type { z } from 'zod';
import { columns, db, jsonb, requestHash, toIso } from '../db.ts';
import { badRequest, conflict, notFound } from '../errors.ts';
import { lockConversation } from './conversations.ts';
import { replayInSession } from './replay.ts';
import { findSession, sessionPage } from './sessions.ts';

// Reads filter on the caller's user_id (see sessions.ts): `get` says NOT_FOUND and `list` returns no items for
// another user's session. Writes go through lockConversation, which refuses such sessions.

const CONTEXT_COLUMNS = [
  'id',
  'action',
  'context_data',
  'metadata',
  'version',
  'created_at',
  'updated_at',
] as const satisfies readonly (keyof Database['contexts'])[];

type ContextRecord = Pick<Selectable<Database['contexts']>, (typeof CONTEXT_COLUMNS)[number]>;

// The session id goes back as the caller named it, not as the internal uuid stored here.
function toContextDto(row: ContextRecord, sessionId: string): ContextDto {
  return {
    id: row.id,
    sessionId,
    action: row.action,
    contextData: row.context_data,
    metadata: row.metadata,
    version: row.version,
    createdAt: toIso(row.created_at),
    updatedAt: toIso(row.updated_at),
  };
}

const contextName = (sessionId: string, action: string) => `Context "${action}" of session ${sessionId}`;

/** The seeds' `save_context`: see `contextSaveInput` for what `id` and `expectedVersion` change. */
export async function saveContext(
  em: EntityManager,
  userId: string,
  input: z.infer<typeof contextSaveInput>,
): Promise<ContextDto> {
  const { uuid: session } = await lockConversation(em, userId, input.sessionId);
  const data = jsonb(input.contextData);
  const metadata = input.metadata === undefined ? undefined : jsonb(input.metadata);
  if (input.expectedVersion !== undefined) {
    const row = await db(em)
      .updateTable('contexts as c')
      .set((eb) => ({
        context_data: data,
        ...(metadata === undefined ? {} : { metadata }),
        version: eb('c.version', '+', 1),
        request_hash: null,
      }))
      .where('c.user_id', '=', userId)
      .where('c.session_id', '=', session)
      .where('c.action', '=', input.action)
      .where('c.version', '=', input.expectedVersion)
      .returning(columns('c', CONTEXT_COLUMNS))
      .executeTakeFirst();
    if (row) return toContextDto(row, input.sessionId);
    const current = await getContext(em, userId, input);
    throw conflict(
      `expectedVersion: ${contextName(input.sessionId, input.action)} is at version ${current.version}, not ${input.expectedVersion}`,
    );
  }
  const hash = requestHash({ action: input.action, contextData: input.contextData, metadata: input.metadata ?? {} });
  if (input.id) {
    const stored = await db(em)
      .selectFrom('contexts as c')
      .select([...columns('c', CONTEXT_COLUMNS), 'c.user_id', 'c.session_id', 'c.request_hash'])
      .where('c.id', '=', input.id)
      .executeTakeFirst();
    const replay = replayInSession(stored, { hash, userId, session }, `context ${input.id}`);
    if (replay) return toContextDto(replay, input.sessionId);
  }
  const row = await db(em)
    .insertInto('contexts')
    .values({
      ...(input.id === undefined ? {} : { id: input.id }),
      user_id: userId,
      session_id: session,
      action: input.action,
      context_data: data,
      ...(metadata === undefined ? {} : { metadata }),
      request_hash: hash,
    })
    .onConflict((oc) => {
      const key = oc.columns(['user_id', 'session_id', 'action']);
      // A save with its own id only creates: the context under another id stays, and the write is refused.
      return input.id
        ? key.doNothing()
        : key.doUpdateSet((eb) => ({
            context_data: eb.ref('excluded.context_data'),
            ...(metadata === undefined ? {} : { metadata }),
            version: eb('contexts.version', '+', 1),
            request_hash: null,
          }));
    })
    .returning(CONTEXT_COLUMNS)
    .executeTakeFirst();
  if (row) return toContextDto(row, input.sessionId);
  throw conflict(
    `id: ${contextName(input.sessionId, input.action)} already exists under another id; save without id to replace it`,
  );
}

export async function getContext(
  em: EntityManager,
  userId: string,
  input: z.infer<typeof contextKeyInput>,
): Promise<ContextDto> {
  const session = await findSession(em, userId, input.sessionId);
  const row =
    session &&
    (await db(em)
      .selectFrom('contexts as c')
      .select(columns('c', CONTEXT_COLUMNS))
      .where('c.user_id', '=', userId)
      .where('c.session_id', '=', session)
      .where('c.action', '=', input.action)
      .executeTakeFirst());
  if (!row) throw notFound(contextName(input.sessionId, input.action));
  return toContextDto(row, input.sessionId);
}

export async function listContexts(
  em: EntityManager,
  userId: string,
  input: z.infer<typeof contextListInput>,
): Promise<{ items: ContextDto[]; nextCursor: string | null }> {
  const session = await findSession(em, userId, input.sessionId);
  const { rows, nextCursor } = await sessionPage(
    db(em)
      .selectFrom('contexts as c')
      .select(columns('c', CONTEXT_COLUMNS))
      .where('c.user_id', '=', userId)
      .where(sql<boolean>`c.session_id = ${session}`),
    input,
  );
  return { items: rows.map((row) => toContextDto(row, input.sessionId)), nextCursor };
}

/** Deleting what is not there is not an error: the count says what went, 0 included. */
export async function deleteContexts(
  em: EntityManager,
  userId: string,
  input: z.infer<typeof contextDeleteInput>,
): Promise<{ deleted: number }> {
  const session = await findSession(em, userId, input.sessionId);
  if (!session) return { deleted: 0 };
  const result = await db(em)
    .deleteFrom('contexts')
    .where('user_id', '=', userId)
    .where('session_id', '=', session)
    .$if(input.action !== undefined, (qb) => qb.where('action', '=', input.action as string))
    .executeTakeFirst();
  return { deleted: Number(result.numDeletedRows) };
}

// setField is one INSERT ... ON CONFLICT DO UPDATE: PostgreSQL locks the row and computes the new document from
// its latest committed value inside the statement, so concurrent setFields on other paths are never lost. The
// conversation lock taken first serialises them as well, but correctness does not lean on it.
//
// `args.path` is the path as text[], `args.value` the value. For a document `doc`, `depth` is how many leading
// keys of the path already hold objects; jsonb_set then writes, at the first key after them, the value wrapped
// in one new object per remaining key. jsonb_set alone creates only the last key of a path, and building the
// wrapping as JSON text (keys quoted by to_jsonb) needs neither recursion nor a plpgsql function.
const pathArgs = (path: readonly string[], value: unknown) => sql`with args as (
  select array(select key from jsonb_array_elements_text(${JSON.stringify(path)}::jsonb) with ordinality as p(key, i)
                order by i) as path,
         ${JSON.stringify(value)}::jsonb as value)`;

const withValueAtPath = (doc: RawBuilder<unknown>) => sql`(
  select jsonb_set(${doc}, a.path[1:d.depth + 1], (
           coalesce((select string_agg('{' || to_jsonb(rest.key)::text || ':', '' order by rest.i)
                       from unnest(a.path[d.depth + 2:]) with ordinality as rest(key, i)), '')
           || a.value::text || repeat('}', cardinality(a.path) - d.depth - 1))::jsonb)
    from args a,
         lateral (select count(*)::int as depth from generate_series(1, cardinality(a.path) - 1) k
                   where jsonb_typeof(${doc} #> a.path[1:k]) = 'object') d)`;

/** Keys on the way to the last one whose value cannot be gone through: anything but an object, null or nothing. */
const blockedKeys = (
  doc: RawBuilder<unknown>,
  source: RawBuilder<unknown>,
) => sql`select k, jsonb_typeof(${doc} #> a.path[1:k]) as type
  from ${source}, generate_series(1, cardinality(a.path) - 1) k
 where jsonb_typeof(${doc} #> a.path[1:k]) not in ('object', 'null')`;

/** The seeds' `update_context_field`; the context (and its conversation) is created when it does not exist. */
export async function setContextField(
  em: EntityManager,
  userId: string,
  input: z.infer<typeof contextSetFieldInput>,
): Promise<ContextDto> {
  const { uuid: session } = await lockConversation(em, userId, input.sessionId);
  const args = pathArgs(input.path, input.value);
  const stored = sql`c.context_data`;
  // jsonb_set inside one upsert, so the new document is computed from the latest committed one (see above).
  const { rows } = await sql<ContextRecord>`${args}
     insert into contexts as c (user_id, session_id, action, context_data)
     select ${userId}, ${session}, ${input.action}, ${withValueAtPath(sql`'{}'::jsonb`)}
     on conflict (user_id, session_id, action) do update
        set context_data = ${withValueAtPath(stored)}, version = c.version + 1, request_hash = null
      where not exists (${blockedKeys(stored, sql`args a`)})
     returning ${sql.join(columns('c', CONTEXT_COLUMNS).map((column) => sql.ref(column)))}`.execute(db(em));
  const row = rows[0];
  if (!row) {
    // Which key blocked the path: the same jsonb walk, read-only, so the error can name it.
    const { rows: blocked } = await sql<{
      k: number;
      type: string;
    }>`${args} ${blockedKeys(stored, sql`contexts c, args a`)}
          and c.user_id = ${userId} and c.session_id = ${session} and c.action = ${input.action}
        order by k limit 1`.execute(db(em));
    const first = blocked[0];
    const where = first
      ? `${JSON.stringify(input.path.slice(0, first.k))} holds a value of type ${first.type}`
      : 'a key on the way holds a value';
    throw badRequest(`path: ${where}, not an object, so ${JSON.stringify(input.path)} cannot be set`);
  }
  // Each value fits the limit on its own; the document they add up to is checked here, and throwing rolls back.
  if (!fitsContextLimit(row.context_data)) {
    throw badRequest(
      `contextData: setting ${JSON.stringify(input.path)} would make it ${jsonByteLength(row.context_data)} bytes as JSON; the limit is ${MAX_CONTEXT_BYTES}`,
    );
  }
  return toContextDto(row, input.sessionId);
}
