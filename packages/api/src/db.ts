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
  // undefined only for undefined itself, as JSON.stringify (typed the same way) answers it.
  return canonicalValue(value, '') as string;
}

// Keys every object lists first, ascending by number, whatever order they were set in (as JSON.stringify writes
// them): Object.keys has them in front already, and the rest sorts as text.
const ARRAY_INDEX = /^(?:0|[1-9]\d{0,9})$/;
const isArrayIndex = (key: string) => ARRAY_INDEX.test(key) && Number(key) < 4_294_967_295;

function sortedKeys(record: object): string[] {
  const keys = Object.keys(record);
  let indexes = 0;
  while (indexes < keys.length && isArrayIndex(keys[indexes] as string)) indexes += 1;
  if (indexes === 0) return keys.sort();
  return [...keys.slice(0, indexes), ...keys.slice(indexes).sort()];
}

/**
 * One JSON value (what a request body parses to, Dates included) as canonicalJson writes it, undefined where
 * JSON.stringify leaves it out. Written directly, since every write hashes its payload: sorting through a
 * JSON.stringify replacer built a sorted copy of every object (bench/README.md). Stored fingerprints were made by
 * that replacer, so the output must stay byte for byte the same (db.test.ts checks it against the replacer).
 */
function canonicalValue(input: unknown, key: string | number): string | undefined {
  let value = input;
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    value = (value as { toJSON: (key: string) => unknown }).toJSON(String(key));
  }
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      // Throws, as JSON.stringify does.
      return JSON.stringify(value);
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) {
        let out = '[';
        for (let index = 0; index < value.length; index++) {
          out += `${index === 0 ? '' : ','}${canonicalValue(value[index], index) ?? 'null'}`;
        }
        return `${out}]`;
      }
      const record = value as Record<string, unknown>;
      let out = '';
      for (const name of sortedKeys(record)) {
        const item = canonicalValue(record[name], name);
        if (item !== undefined) out += `${out === '' ? '' : ','}${JSON.stringify(name)}:${item}`;
      }
      return `{${out}}`;
    }
    default:
      return undefined;
  }
}

/** Fingerprint of a write's payload: a replay with the same client id must carry the same one. */
export function requestHash(payload: unknown): string {
  return createHash('sha256').update(canonicalJson(payload)).digest('hex');
}
