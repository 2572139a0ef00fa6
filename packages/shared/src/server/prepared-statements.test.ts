import type { MikroORM } from '@mikro-orm/postgresql';
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from './database.ts';
import { initOrm } from './orm.ts';
import { preparedQuery } from './prepared-statements.ts';
import { createTestDatabase, type TestDatabase } from './testing.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.drop());

/** The statements prepared on the connection `work` runs on, as PostgreSQL lists them. */
async function onOneConnection(work: (connection: Kysely<Database>) => Promise<unknown>, orm: MikroORM = db.orm) {
  return orm.em
    .fork()
    .getKysely<Database>()
    .connection()
    .execute(async (connection) => {
      await work(connection);
      const { rows } = await sql<{ name: string; statement: string }>`
        select name, statement from pg_prepared_statements order by name`.execute(connection);
      return rows;
    });
}

describe('preparedQuery', () => {
  it('prepares a marked statement once per connection and runs it by name from then on', async () => {
    const text = 'select $1::int + 1 as next';
    const results: number[] = [];
    const prepared = await onOneConnection(async (connection) => {
      for (const value of [1, 2, 3]) {
        const { rows } = await connection.executeQuery(preparedQuery<{ next: number }>(text, [value]));
        results.push(rows[0]?.next as number);
      }
    });
    expect(results).toEqual([2, 3, 4]);
    expect(prepared.filter((statement) => statement.statement === text)).toEqual([
      { name: expect.stringMatching(/^threadstore_\d+$/), statement: text },
    ]);
  });

  it('leaves every other statement unnamed', async () => {
    const prepared = await onOneConnection(async (connection) => {
      await sql`select ${1}::int as one`.execute(connection);
    });
    expect(prepared.filter((statement) => statement.statement.includes('as one'))).toEqual([]);
  });

  it('keeps a statement that failed usable on the same connection, by name', async () => {
    const text = 'select 1 / $1::int as quotient';
    const outcomes: unknown[] = [];
    await onOneConnection(async (connection) => {
      for (const divisor of [0, 2, 1]) {
        try {
          const { rows } = await connection.executeQuery(preparedQuery<{ quotient: number }>(text, [divisor]));
          outcomes.push(rows[0]?.quotient);
        } catch (error) {
          outcomes.push((error as { code?: string }).code);
        }
      }
    });
    // 22012: division_by_zero, raised by the first run after PostgreSQL had prepared the statement.
    expect(outcomes).toEqual(['22012', 0, 1]);
  });

  it('runs marked statements unnamed when prepared statements are turned off (DB_PREPARED_STATEMENTS=false)', async () => {
    const orm = await initOrm({ clientUrl: db.url, preparedStatements: false });
    try {
      const text = 'select $1::int * 2 as twice';
      const results: number[] = [];
      const prepared = await onOneConnection(async (connection) => {
        for (const value of [1, 2]) {
          const { rows } = await connection.executeQuery(preparedQuery<{ twice: number }>(text, [value]));
          results.push(rows[0]?.twice as number);
        }
      }, orm);
      expect(results).toEqual([2, 4]);
      expect(prepared).toEqual([]);
    } finally {
      await orm.close(true);
    }
  });
});
