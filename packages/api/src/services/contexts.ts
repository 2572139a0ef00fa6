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
import type { z } from 'zod';
import { badRequest, conflict, notFound } from '../errors.ts';
import { queryOne, toIso } from '../sql.ts';
import { lockConversation } from './conversations.ts';
import { conversationUuid } from './ids.ts';
import { sessionPage } from './session-page.ts';

// Reads filter on the caller's user_id, so another user's session looks empty: `get` says NOT_FOUND and `list`
// returns no items, never someone else's rows. Writes go through lockConversation, which refuses such sessions.

// The session id goes back as the caller named it (see toContextDto), not as the internal uuid stored here.
const CONTEXT_COLUMNS = `c.id, c.action, c.context_data as "contextData", c.metadata,
  c.version, c.created_at as "createdAt", c.updated_at as "updatedAt"`;

interface ContextRow {
  id: string;
  action: string;
  contextData: Record<string, unknown>;
  metadata: Record<string, unknown>;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

function toContextDto(row: ContextRow, sessionId: string): ContextDto {
  return {
    id: row.id,
    sessionId,
    action: row.action,
    contextData: row.contextData,
    metadata: row.metadata,
    version: Number(row.version),
    createdAt: toIso(row.createdAt),
    updatedAt: toIso(row.updatedAt),
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
  const data = JSON.stringify(input.contextData);
  const metadata = input.metadata === undefined ? null : JSON.stringify(input.metadata);
  if (input.expectedVersion !== undefined) {
    const row = await queryOne<ContextRow>(
      em,
      `update contexts c set context_data = ?::jsonb, metadata = coalesce(?::jsonb, c.metadata), version = c.version + 1
        where c.user_id = ? and c.session_id = ? and c.action = ? and c.version = ?
        returning ${CONTEXT_COLUMNS}`,
      [data, metadata, userId, session, input.action, input.expectedVersion],
    );
    if (row) return toContextDto(row, input.sessionId);
    const current = await getContext(em, userId, input);
    throw conflict(
      `expectedVersion: ${contextName(input.sessionId, input.action)} is at version ${current.version}, not ${input.expectedVersion}`,
    );
  }
  if (input.id) {
    // jsonb equality ignores key order and number spelling, so a replay matches however its JSON was written.
    const stored = await queryOne<ContextRow & { samePayload: boolean }>(
      em,
      `select ${CONTEXT_COLUMNS}, (c.user_id = ? and c.session_id = ? and c.action = ?
              and c.context_data = ?::jsonb and c.metadata = coalesce(?::jsonb, '{}'::jsonb)) as "samePayload"
         from contexts c where c.id = ?`,
      [userId, session, input.action, data, metadata, input.id],
    );
    if (stored?.samePayload) return toContextDto(stored, input.sessionId);
    if (stored) throw conflict(`id: context ${input.id} already exists with a different payload`);
  }
  const row = await queryOne<ContextRow>(
    em,
    `insert into contexts as c (id, user_id, session_id, action, context_data, metadata)
     values (coalesce(?::uuid, gen_random_uuid()), ?, ?, ?, ?::jsonb, coalesce(?::jsonb, '{}'::jsonb))
     on conflict (user_id, session_id, action) do update
        set context_data = excluded.context_data, metadata = coalesce(?::jsonb, c.metadata), version = c.version + 1
      where ?::uuid is null
     returning ${CONTEXT_COLUMNS}`,
    [input.id ?? null, userId, session, input.action, data, metadata, metadata, input.id ?? null],
  );
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
  const session = await conversationUuid(em, userId, input.sessionId);
  const row =
    session &&
    (await queryOne<ContextRow>(
      em,
      `select ${CONTEXT_COLUMNS} from contexts c where c.user_id = ? and c.session_id = ? and c.action = ?`,
      [userId, session, input.action],
    ));
  if (!row) throw notFound(contextName(input.sessionId, input.action));
  return toContextDto(row, input.sessionId);
}

export async function listContexts(
  em: EntityManager,
  userId: string,
  input: z.infer<typeof contextListInput>,
): Promise<{ items: ContextDto[]; nextCursor: string | null }> {
  const session = await conversationUuid(em, userId, input.sessionId);
  // An unknown session (null) matches no row, and a bad cursor is still refused as it would be for a known one.
  const { rows, nextCursor } = await sessionPage<ContextRow>(
    em,
    {
      table: 'contexts',
      alias: 'c',
      columns: CONTEXT_COLUMNS,
      where: ['c.user_id = ?', 'c.session_id = ?'],
      params: [userId, session ?? null],
    },
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
  const session = await conversationUuid(em, userId, input.sessionId);
  if (!session) return { deleted: 0 };
  const row = await queryOne<{ deleted: string }>(
    em,
    `with gone as (
       delete from contexts c where c.user_id = ? and c.session_id = ? and (?::text is null or c.action = ?::text)
       returning 1)
     select count(*) as deleted from gone`,
    [userId, session, input.action ?? null, input.action ?? null],
  );
  return { deleted: Number(row?.deleted ?? 0) };
}

// setField is one INSERT ... ON CONFLICT DO UPDATE: PostgreSQL locks the row and computes the new document from
// its latest committed value inside the statement, so concurrent setFields on other paths are never lost. The
// conversation lock taken first serialises them as well, but correctness does not lean on it.
//
// `args.path` is the path as text[], `args.value` the value. For a document `doc`, `depth` is how many leading
// keys of the path already hold objects; jsonb_set then writes, at the first key after them, the value wrapped
// in one new object per remaining key. jsonb_set alone creates only the last key of a path, and building the
// wrapping as JSON text (keys quoted by to_jsonb) needs neither recursion nor a plpgsql function.
const PATH_ARGS = `with args as (
  select array(select key from jsonb_array_elements_text(?::jsonb) with ordinality as p(key, i) order by i) as path,
         ?::jsonb as value)`;

const withValueAtPath = (doc: string) => `(
  select jsonb_set(${doc}, a.path[1:d.depth + 1], (
           coalesce((select string_agg('{' || to_jsonb(rest.key)::text || ':', '' order by rest.i)
                       from unnest(a.path[d.depth + 2:]) with ordinality as rest(key, i)), '')
           || a.value::text || repeat('}', cardinality(a.path) - d.depth - 1))::jsonb)
    from args a,
         lateral (select count(*)::int as depth from generate_series(1, cardinality(a.path) - 1) k
                   where jsonb_typeof(${doc} #> a.path[1:k]) = 'object') d)`;

/** Keys on the way to the last one whose value cannot be gone through: anything but an object, null or nothing. */
const blockedKeys = (doc: string, source = 'args a') => `select k, jsonb_typeof(${doc} #> a.path[1:k]) as type
  from ${source}, generate_series(1, cardinality(a.path) - 1) k
 where jsonb_typeof(${doc} #> a.path[1:k]) not in ('object', 'null')`;

/** The seeds' `update_context_field`; the context (and its conversation) is created when it does not exist. */
export async function setContextField(
  em: EntityManager,
  userId: string,
  input: z.infer<typeof contextSetFieldInput>,
): Promise<ContextDto> {
  const { uuid: session } = await lockConversation(em, userId, input.sessionId);
  const args = [JSON.stringify(input.path), JSON.stringify(input.value)];
  const row = await queryOne<ContextRow>(
    em,
    `${PATH_ARGS}
     insert into contexts as c (user_id, session_id, action, context_data)
     select ?, ?, ?, ${withValueAtPath(`'{}'::jsonb`)}
     on conflict (user_id, session_id, action) do update
        set context_data = ${withValueAtPath('c.context_data')}, version = c.version + 1
      where not exists (${blockedKeys('c.context_data')})
     returning ${CONTEXT_COLUMNS}`,
    [...args, userId, session, input.action],
  );
  if (!row) {
    const blocked = await queryOne<{ k: number; type: string }>(
      em,
      `${PATH_ARGS} ${blockedKeys('c.context_data', 'contexts c, args a')}
          and c.user_id = ? and c.session_id = ? and c.action = ? order by k limit 1`,
      [...args, userId, session, input.action],
    );
    const where = blocked
      ? `${JSON.stringify(input.path.slice(0, blocked.k))} holds a value of type ${blocked.type}`
      : 'a key on the way holds a value';
    throw badRequest(`path: ${where}, not an object, so ${JSON.stringify(input.path)} cannot be set`);
  }
  // Each value fits the limit on its own; the document they add up to is checked here, and throwing rolls back.
  if (!fitsContextLimit(row.contextData)) {
    throw badRequest(
      `contextData: setting ${JSON.stringify(input.path)} would make it ${jsonByteLength(row.contextData)} bytes as JSON; the limit is ${MAX_CONTEXT_BYTES}`,
    );
  }
  return toContextDto(row, input.sessionId);
}
