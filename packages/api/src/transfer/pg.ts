import type pg from 'pg';
import { keepTimes, type Sql } from './db.ts';

/** `?` → `$n`. The transfer statements are written here and never use the jsonb `?` operators. */
const numbered = (text: string) => {
  let n = 0;
  return text.replace(/\?/g, () => `$${++n}`);
};

export function pgSql(client: pg.ClientBase): Sql {
  const sql: Sql = {
    async query<T>(text: string, params: readonly unknown[] = []) {
      return (await client.query(numbered(text), [...params])).rows as T[];
    },
    async transaction(work) {
      await client.query('begin');
      try {
        await client.query(keepTimes);
        const result = await work(sql);
        await client.query('commit');
        return result;
      } catch (error) {
        await client.query('rollback');
        throw error;
      }
    },
  };
  return sql;
}
