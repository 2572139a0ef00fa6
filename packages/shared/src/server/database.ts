import type { InferKyselyDB } from '@mikro-orm/postgresql';
import type { ColumnType } from 'kysely';
import type { entities } from './entities/index.ts';

// The tables as Kysely sees them, derived from the entities: a column renamed or retyped there is a compile
// error in every query that uses it. Values are typed as the driver hands them back, not as the ORM would map
// them: MikroORM's pg setup returns timestamps as PostgreSQL text (microseconds kept, which keyset cursors need)
// and bigints as strings (the entities declare them `bigint('string')`, so the inferred type already says so).

/** A timestamp comes back as text; one written may be a Date or text. */
type TimestampAsText<T> = T extends Date ? string : T;

type DriverColumn<T> = [T] extends [ColumnType<infer Select, infer Insert, infer Update>]
  ? ColumnType<TimestampAsText<Select>, Insert | TimestampAsText<Insert>, Update | TimestampAsText<Update>>
  : [Extract<T, Date>] extends [never]
    ? T
    : ColumnType<TimestampAsText<T>, T | TimestampAsText<T>, T | TimestampAsText<T>>;

type Inferred = InferKyselyDB<(typeof entities)[number]>;

export type Database = {
  [Table in keyof Inferred]: { [Column in keyof Inferred[Table]]: DriverColumn<Inferred[Table][Column]> };
};
