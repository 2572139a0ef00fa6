import { createTestDatabase, type TestDatabase } from '@threadstore/shared/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { db as kysely } from './db.ts';
import { toTRPCError } from './errors.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.drop());

/** The tRPC code a statement's real PostgreSQL failure maps to, when it comes through Kysely as pg's own error. */
async function codeOf(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
  } catch (error) {
    return toTRPCError(error).code;
  }
  throw new Error('the statement succeeded');
}

describe('errors raised by typed queries', () => {
  const q = () => kysely(db.orm.em.fork());

  it('get the codes MikroORM-raised ones get: unique, foreign key, check, not null, bad value', async () => {
    await q()
      .insertInto('api_tokens')
      .values({ token_hash: 'a'.repeat(64), kind: 'service' })
      .execute();
    expect(
      await codeOf(() =>
        q()
          .insertInto('api_tokens')
          .values({ token_hash: 'a'.repeat(64), kind: 'service' })
          .execute(),
      ),
    ).toBe('CONFLICT');
    expect(
      await codeOf(() =>
        q()
          .insertInto('contexts')
          .values({ user_id: 'u', session_id: crypto.randomUUID(), action: 'a', context_data: {} })
          .execute(),
      ),
    ).toBe('NOT_FOUND');
    expect(
      await codeOf(() => q().insertInto('conversations').values({ user_id: 'u', client_id: 'no spaces' }).execute()),
    ).toBe('BAD_REQUEST');
    expect(
      await codeOf(() =>
        q()
          .insertInto('api_tokens')
          .values({ token_hash: 'b'.repeat(64), kind: 'user', user_id: null })
          .execute(),
      ),
    ).toBe('BAD_REQUEST');
    expect(
      await codeOf(() => q().selectFrom('conversations').selectAll().where('uuid', '=', 'not-a-uuid').execute()),
    ).toBe('BAD_REQUEST');
  });
});
