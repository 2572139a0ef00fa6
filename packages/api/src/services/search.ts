import type { EntityManager } from '@mikro-orm/postgresql';
import {
  findMatches,
  messageSearchFields,
  parseSearchQuery,
  type SearchField,
  type SearchHit,
  type SearchQuery,
  type searchMessagesInput,
  toolLexeme,
  toTsquery,
} from '@threadstore/shared';
import { type RawBuilder, sql } from 'kysely';
import type { z } from 'zod';
import { decodeCursor, encodeCursor, isIdText, isNumberText, isTimestampText } from '../cursor.ts';
import { columns, db } from '../db.ts';
import { conversationUuid } from './ids.ts';
import { MESSAGE_COLUMNS, type MessageRecord, toMessageDto } from './messages.ts';

/**
 * Relevance is computed over windows of this many matches, newest first. A selective query fits in one window
 * and is ranked exactly; a query matching a large share of a big history is ranked within its newest matches
 * (then the next window, and so on), so its cost is bounded by the window, not by the number of matches.
 */
export const RANK_WINDOW = 200;
/** Rows walked back from the newest before choosing how to find the rest of a window (see `findWindow`). */
const SAMPLE_ROWS = 1000;
/** What a row costs on a GIN bitmap scan (random heap access) against a row walked in `created_at` order. */
const BITMAP_ROW_COST = 2;
const SNIPPET_LENGTH = 160;
const SNIPPET_LEAD = 40;
// Snippets are cut from the first this many characters of a field: enough for any message a person reads, and a
// megabyte-long tool output is not tokenized again for every hit.
const SNIPPET_SCAN = 20_000;

/** `conversation.list`'s `q`: titles, through the same tokenizer. Blank is no filter; nothing searchable, no rows. */
export function titleFilter(q: string | undefined): RawBuilder<boolean> | undefined {
  if (q === undefined || q.trim() === '') return undefined;
  const tsquery = toTsquery(parseSearchQuery(q));
  // A tsquery match on the title's document: the GIN index on conversations.search answers it.
  return tsquery === null ? sql<boolean>`false` : sql<boolean>`c.search @@ ${tsquery}::tsquery`;
}

type SearchInput = z.infer<typeof searchMessagesInput>;

/** Keyset of a search page: the window's upper bound, then where in the window's ranking the page ended. */
type SearchCursor = [string, string, boolean, string | null, string | null, string | null];
const isSearchCursor = (values: unknown[]): values is SearchCursor => {
  const position = values.slice(3);
  return (
    values.length === 6 &&
    isTimestampText(values[0]) &&
    isIdText(values[1]) &&
    typeof values[2] === 'boolean' &&
    ((isNumberText(values[3]) && isTimestampText(values[4]) && isIdText(values[5])) ||
      position.every((value) => value === null))
  );
};

/** A point in the newest-first order of messages: `created_at` (PostgreSQL text, to the microsecond), then uuid. */
interface Bound {
  at: string;
  id: string;
  inclusive: boolean;
}
/** A message of a window: internal id, uuid and `created_at` as text. */
interface KeyRow {
  id: string;
  uuid: string;
  at: string;
}

// Search is PostgreSQL's full-text machinery (tsvector, tsquery, ts_rank, GIN) and a choice between two plans
// the planner cannot make itself, so its statements are written out: from parameters and `sql` fragments,
// never by joining strings.

interface Scope {
  /** Conditions on `messages m` joined to `conversations c`; the text query is not one. */
  where: RawBuilder<unknown>[];
  /** Conditions on `conversations c` alone: the conversations whose messages the scope holds. */
  conversations: RawBuilder<unknown>[];
}

const and = (conditions: RawBuilder<unknown>[]) => sql<boolean>`${sql.join(conditions, sql` and `)}`;

/** The scope, limited to messages at or below (`inclusive`) or strictly below a point. */
function below(scope: Scope, bound: Bound | undefined): RawBuilder<boolean> {
  if (!bound) return and(scope.where);
  const uuid = bound.inclusive ? sql`m.uuid <= ${bound.id}::uuid` : sql`m.uuid < ${bound.id}::uuid`;
  return and([
    ...scope.where,
    sql`m.created_at <= ${bound.at}::timestamptz and (m.created_at < ${bound.at}::timestamptz or ${uuid})`,
  ]);
}

/**
 * The window below `top`: the newest RANK_WINDOW matches there. Walking back along `created_at` costs the rows
 * walked (few when the query is common); the GIN index costs the rows it matches (few when it is rare).
 * PostgreSQL's planner cannot tell which is cheaper when the query is a phrase (it takes the pairs of "数据库" for
 * independent words and expects 2,500 rows of 32,000), so the choice is made here, from a sample: the newest
 * SAMPLE_ROWS rows, walked. `ts_match_vq` is `@@` in a form no index answers, for the walks.
 */
async function findWindow(
  em: EntityManager,
  scope: Scope,
  matchQuery: string,
  top: Bound | undefined,
): Promise<KeyRow[]> {
  const from = below(scope, top);
  const kysely = db(em);
  // The sample walk: a MATERIALIZED CTE fixes the plan (newest rows first) and ts_match_vq keeps GIN out of it.
  const { rows: sample } = await sql<KeyRow & { walked: number; bottomAt: string | null; bottomId: string | null }>`
    with walked as materialized (
      select m.id, m.uuid, m.created_at, m.search from messages m join conversations c on c.uuid = m.conversation_uuid
       where ${from} order by m.created_at desc, m.uuid desc limit ${SAMPLE_ROWS}
    ), bottom as (
      select created_at::text as at, uuid from walked order by created_at, uuid limit 1
    )
    select (select count(*) from walked)::int as walked, b.at as "bottomAt", b.uuid as "bottomId", w.id, w.uuid, w.at
      from (select 1) one
      left join bottom b on true
      left join lateral (
        select id, uuid, created_at::text as at from walked where ts_match_vq(search, ${matchQuery}::tsquery)
         order by created_at desc, uuid desc limit ${RANK_WINDOW}
      ) w on true`.execute(kysely);
  const first = sample[0];
  const found = sample.filter((row) => row.id !== null);
  if (!first?.bottomAt || !first.bottomId || found.length >= RANK_WINDOW || first.walked < SAMPLE_ROWS) return found;

  const density = found.length / first.walked;
  const walkRows = density > 0 ? (RANK_WINDOW - found.length) / density : Number.POSITIVE_INFINITY;
  const size =
    density > 0
      ? Number(
          (
            await kysely
              .selectFrom('conversations as c')
              .select(sql<string>`coalesce(sum(c.message_count), 0)`.as('size'))
              .where(and(scope.conversations))
              .executeTakeFirst()
          )?.size,
        )
      : 0;
  if (walkRows <= density * size * BITMAP_ROW_COST) {
    const rest = below(scope, { at: first.bottomAt, id: first.bottomId, inclusive: false });
    // Walking on below the sample: ts_match_vq again, so the planner keeps to the created_at order.
    const { rows: more } = await sql<KeyRow>`
      select m.id, m.uuid, m.created_at::text as at from messages m join conversations c on c.uuid = m.conversation_uuid
       where ${rest} and ts_match_vq(m.search, ${matchQuery}::tsquery)
       order by m.created_at desc, m.uuid desc limit ${RANK_WINDOW - found.length}`.execute(kysely);
    return [...found, ...more];
  }
  // Every match from the GIN index, then the newest of them; the CTE keeps the planner off the `created_at` walk.
  const { rows } = await sql<KeyRow>`
    with hits as materialized (
      select m.id, m.uuid, m.created_at from messages m join conversations c on c.uuid = m.conversation_uuid
       where ${from} and m.search @@ ${matchQuery}::tsquery
    )
    select id, uuid, created_at::text as at from hits order by created_at desc, uuid desc limit ${RANK_WINDOW}`.execute(
    kysely,
  );
  return rows;
}

interface HitRow extends MessageRecord {
  /** ts_rank as PostgreSQL prints a real: read back exactly when a cursor returns it. */
  rank: string;
  conversation_client_id: string | null;
  conversation_title: string | null;
}

/** The window's messages ranked, newest first among equals, from just after `after`. */
async function rankWindow(
  em: EntityManager,
  window: KeyRow[],
  rankQuery: string,
  after: [string, string, string] | undefined,
  limit: number,
): Promise<HitRow[]> {
  // ts_rank over the window's rows only; the row comparison resumes a page inside the ranking.
  const { rows } = await sql<HitRow>`
    select ranked.*, ranked.score::text as rank from (
      select ${sql.join(columns('m', MESSAGE_COLUMNS).map((column) => sql.ref(column)))},
             ts_rank(m.search, ${rankQuery}::tsquery, 1) as score,
             c.client_id as conversation_client_id, c.title as conversation_title
        from messages m join conversations c on c.uuid = m.conversation_uuid
       where m.id in (select value::bigint from jsonb_array_elements_text(${JSON.stringify(window.map((row) => row.id))}::jsonb))
    ) ranked
    ${after ? sql`where (ranked.score, ranked.created_at, ranked.uuid) < (${after[0]}::real, ${after[1]}::timestamptz, ${after[2]}::uuid)` : sql``}
    order by ranked.score desc, ranked.created_at desc, ranked.uuid desc
    limit ${limit}`.execute(db(em));
  return rows;
}

/**
 * Full-text search over the caller's own conversations (not the trash): ranked by relevance, newest first among
 * equals, each hit with a snippet around its best match. A query with nothing searchable in it finds nothing.
 */
export async function searchMessages(
  em: EntityManager,
  userId: string,
  input: SearchInput,
): Promise<{ items: SearchHit[]; nextCursor: string | null }> {
  const parsed = parseSearchQuery(input.q);
  const rankQuery = toTsquery(parsed);
  if (rankQuery === null) return { items: [], nextCursor: null };
  // The tool filter is a lexeme of the same document, so the same index lookup answers it; it is left out of ranking.
  const matchQuery = toTsquery(parsed, input.tool ? [toolLexeme(input.tool)] : []) as string;
  const owned = [sql`c.user_id = ${userId}`, sql`c.deleted_at is null`];
  const scope: Scope = { where: [...owned], conversations: [...owned] };
  if (input.conversationId) {
    const conversation = await conversationUuid(em, userId, input.conversationId);
    if (!conversation) return { items: [], nextCursor: null };
    scope.where.push(sql`m.conversation_uuid = ${conversation}`);
    scope.conversations.push(sql`c.uuid = ${conversation}`);
  }
  if (input.role) scope.where.push(sql`m.role = ${input.role}`);
  if (input.from) scope.where.push(sql`m.created_at >= ${input.from}::timestamptz`);
  if (input.to) scope.where.push(sql`m.created_at < ${input.to}::timestamptz`);

  const cursor = input.cursor ? decodeCursor<SearchCursor>(input.cursor, isSearchCursor) : undefined;
  let top: Bound | undefined = cursor && { at: cursor[0], id: cursor[1], inclusive: cursor[2] };
  let after = cursor?.[3] ? (cursor.slice(3) as [string, string, string]) : undefined;
  const hits: { row: HitRow; top: Bound }[] = [];
  for (;;) {
    const window = await findWindow(em, scope, matchQuery, top);
    const newest = window[0];
    const oldest = window.at(-1);
    if (!newest || !oldest) break;
    const windowTop = top ?? { at: newest.at, id: newest.uuid, inclusive: true };
    const rows = await rankWindow(em, window, rankQuery, after, input.limit + 1 - hits.length);
    for (const row of rows) hits.push({ row, top: windowTop });
    if (hits.length > input.limit || window.length < RANK_WINDOW) break;
    top = { at: oldest.at, id: oldest.uuid, inclusive: false };
    after = undefined;
  }

  const page = hits.slice(0, input.limit);
  const last = page.at(-1);
  const nextCursor =
    hits.length > input.limit && last
      ? encodeCursor([last.top.at, last.top.id, last.top.inclusive, last.row.rank, last.row.created_at, last.row.uuid])
      : null;
  return { items: page.map(({ row }) => toHit(row, parsed)), nextCursor };
}

function toHit(row: HitRow, parsed: SearchQuery): SearchHit {
  const title: SearchField[] = row.conversation_title
    ? [{ kind: 'title', weight: 'D', text: row.conversation_title }]
    : [];
  const conversationId = row.conversation_client_id ?? row.conversation_uuid;
  const fields = [...messageSearchFields(row), ...title];
  // The best field is the most heavily weighted one with a match; within a weight, the one with most matches.
  let best: { field: SearchField; ranges: { start: number; end: number }[] } | undefined;
  for (const field of fields) {
    const ranges = findMatches(field.text.slice(0, SNIPPET_SCAN), parsed);
    if (ranges.length === 0) continue;
    if (
      !best ||
      field.weight < best.field.weight ||
      (field.weight === best.field.weight && ranges.length > best.ranges.length)
    ) {
      best = { field, ranges };
    }
  }
  const chosen = best ?? { field: fields[0] ?? { kind: 'text' as const, weight: 'A' as const, text: '' }, ranges: [] };
  return {
    message: toMessageDto(row, conversationId),
    conversation: { id: conversationId, title: row.conversation_title },
    ...cutSnippet(chosen.field.text, chosen.ranges),
    matchedIn: chosen.field.kind,
    score: Number(row.rank),
  };
}

const isLowSurrogate = (code: number) => code >= 0xdc00 && code <= 0xdfff;

/**
 * About SNIPPET_LENGTH characters of `text` around its densest run of matches, whitespace collapsed, "…" where
 * it was cut; the highlight ranges are moved along with it.
 */
function cutSnippet(
  text: string,
  ranges: { start: number; end: number }[],
): { snippet: string; highlights: { start: number; end: number }[] } {
  // Ranges are sorted and disjoint: slide a window over them and keep the start that covers the most.
  let anchor = 0;
  let covered = -1;
  let last = 0;
  for (const [index, range] of ranges.entries()) {
    last = Math.max(last, index);
    while (last < ranges.length && (ranges[last]?.end ?? 0) <= range.start + SNIPPET_LENGTH - SNIPPET_LEAD) last++;
    if (last - index > covered) {
      covered = last - index;
      anchor = range.start;
    }
  }
  let start = Math.max(0, anchor - SNIPPET_LEAD);
  let end = Math.min(text.length, start + SNIPPET_LENGTH);
  start = Math.max(0, Math.min(start, end - SNIPPET_LENGTH));
  if (start > 0 && isLowSurrogate(text.charCodeAt(start))) start -= 1;
  if (end < text.length && isLowSurrogate(text.charCodeAt(end))) end += 1;

  // Collapse whitespace: `at[i]` is where the source's (start + i)th code unit lands in the snippet.
  let body = '';
  const at: number[] = [];
  for (let index = start; index < end; index++) {
    const character = text[index] as string;
    at.push(body.length);
    if (/\s/u.test(character)) {
      if (body !== '' && !body.endsWith(' ')) body += ' ';
    } else {
      body += character;
    }
  }
  at.push(body.length);
  const prefix = start > 0 ? '…' : '';
  const trimmed = body.trimEnd();
  const snippet = `${prefix}${trimmed}${end < text.length ? '…' : ''}`;
  const highlights = ranges
    .filter((range) => range.end > start && range.start < end)
    .map((range) => ({
      start: prefix.length + (at[Math.max(range.start, start) - start] as number),
      end: prefix.length + Math.min(at[Math.min(range.end, end) - start] as number, trimmed.length),
    }))
    .filter((range) => range.end > range.start);
  return { snippet, highlights };
}
