import { createHash } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Database } from '@threadstore/shared/server';
import { type Kysely, type RawBuilder, sql } from 'kysely';

/** Typed queries on the EntityManager's connection: inside `em.transactional` they run in its transaction. */
export const db = (em: EntityManager): Kysely<Database> => em.getKysely<Database>();

/** Runs `work` in one transaction, on the transaction's EntityManager. */
export type InTransaction = <T>(work: (em: EntityManager) => Promise<T>) => Promise<T>;

/** The listed columns of a table under `alias`: a column the entity does not have fails to compile. */
export const columns = <A extends string, C extends string>(alias: A, names: readonly C[]) =>
  names.map((name) => `${alias}.${name}` as `${A}.${C}`);

/** A column list for hand-written SQL (`insert into t (…)`, `returning …`), from entity-checked names. */
export const columnList = (names: readonly string[], alias?: string) =>
  sql.join(names.map((name) => sql.ref(alias ? `${alias}.${name}` : name)));

/** The same list as text, for a statement whose text is built once and kept (see preparedQuery). */
export const columnListText = (names: readonly string[], alias?: string) =>
  names.map((name) => (alias ? `${alias}."${name}"` : `"${name}"`)).join(', ');

/**
 * A jsonb value. pg would send a JavaScript array as a PostgreSQL array literal, not JSON, so every jsonb
 * parameter goes as JSON text, cast.
 */
export const jsonb = <T>(value: T): RawBuilder<T> => sql<T>`${JSON.stringify(value)}::jsonb`;

/** The id a client sees for a conversation or message row: its own id when it gave one, else the row's uuid. */
export const externalId = (row: { client_id: string | null; uuid: string }): string => row.client_id ?? row.uuid;

export function toIso(value: Date | string): string {
  return (value instanceof Date ? value : new Date(value)).toISOString();
}

export function toIsoOrNull(value: Date | string | null): string | null {
  return value === null ? null : toIso(value);
}

/** JSON with object keys sorted, so two equal payloads hash the same whatever order their keys came in. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => {
    if (item && typeof item === 'object' && !Array.isArray(item)) {
      return Object.fromEntries(
        Object.entries(item as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
      );
    }
    return item;
  });
}

/** Fingerprint of a write's payload: a replay with the same client id must carry the same one. */
export function requestHash(payload: unknown): string {
  return createHash('sha256').update(canonicalJson(payload)).digest('hex');
}
