import { createTestDatabase, type TestDatabase } from '@threadstore/shared/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInnerContext, type Observer } from './context.ts';
import { createCaller } from './root.ts';
import { text } from './testing.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
  // Only this file's database: every message insert also takes advisory lock 42, so a test can hold that lock
  // and make an append wait on it after the append has locked its conversation.
  await db.orm.em.execute(`
    create function test_wait_for_lock_42() returns trigger language plpgsql as $$
    begin perform pg_advisory_xact_lock(42); return new; end $$;
    create trigger test_wait_for_lock_42 before insert on messages
      for each row execute function test_wait_for_lock_42();`);
});
afterAll(() => db.drop());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitUntil(condition: () => Promise<boolean>): Promise<void> {
  while (!(await condition())) await sleep(20);
}

describe('a mutation PostgreSQL aborts for a deadlock', () => {
  it('runs again, commits once and is counted', async () => {
    const retries: string[] = [];
    const observer: Observer = {
      transactionRetried: (procedure, reason) => retries.push(`${procedure}:${reason}`),
      callFinished() {},
    };
    const ann = createCaller(
      createInnerContext({ orm: db.orm, identity: { tokenId: 'test-ann', kind: 'user', userId: 'ann' }, observer }),
    );
    const conversationId = crypto.randomUUID();
    await ann.message.append({ conversationId, role: 'user', parts: [text('first')] });

    let append: Promise<unknown> | undefined;
    await db.orm.em.fork().transactional(async (other) => {
      // This transaction waits long before looking for deadlocks, so PostgreSQL picks the append as the victim.
      await other.execute(`set local deadlock_timeout = '10s'`);
      await other.execute('select pg_advisory_xact_lock(42)');
      append = ann.message.append({ conversationId, role: 'assistant', parts: [text('second')] });
      // The append holds the conversation's row lock and waits for lock 42 in the trigger ...
      await waitUntil(async () => {
        const [row] = await db.orm.em
          .fork()
          .execute<{ waiting: number }[]>(
            `select count(*)::int as waiting from pg_locks where locktype = 'advisory' and objid = 42 and not granted`,
          );
        return (row?.waiting ?? 0) > 0;
      });
      // ... and now waits for this one's: a deadlock, found by the append's backend after its deadlock_timeout.
      await other.execute('select 1 from conversations where uuid = ? for update', [conversationId]);
      // Granted once the append rolled back; its retry now waits for this transaction to commit.
    });
    const message = await append;
    expect(message).toMatchObject({ role: 'assistant', status: 'complete' });
    expect(retries).toEqual(['message.append:deadlock']);
    const page = await ann.message.list({ conversationId, limit: 10 });
    expect(page.items.map((item) => item.parts)).toEqual([[text('first')], [text('second')]]);
  });
});
