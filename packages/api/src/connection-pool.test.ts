import type { MikroORM } from '@mikro-orm/postgresql';
import { initOrm } from '@threadstore/shared/server';
import { createTestDatabase, type TestDatabase } from '@threadstore/shared/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callerFor, failure, text } from './testing.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.drop());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Holds the conversation's row lock from another connection for `ms`, so every write to it has to wait; resolves
 * once the lock is taken, with `released`, which settles once it is given back.
 */
async function holdConversationLock(conversationId: string, ms: number): Promise<{ released: Promise<void> }> {
  let lockTaken!: () => void;
  const locked = new Promise<void>((resolve) => {
    lockTaken = resolve;
  });
  const released = db.orm.em.fork().transactional(async (em) => {
    await em.execute('select 1 from conversations where uuid = ? for update', [conversationId]);
    lockTaken();
    await sleep(ms);
  });
  await Promise.race([locked, released]);
  return { released };
}

async function withOrm(settings: Parameters<typeof initOrm>[0], use: (orm: MikroORM) => Promise<void>) {
  const orm = await initOrm(settings);
  try {
    await use(orm);
  } finally {
    await orm.close(true);
  }
}

describe('the connection pool', () => {
  it('queues a burst longer than the connect timeout instead of answering SERVICE_UNAVAILABLE', async () => {
    const conversationId = crypto.randomUUID();
    await callerFor(db.orm, 'ann').message.append({ conversationId, role: 'user', parts: [text('first')] });
    await withOrm({ clientUrl: db.url, poolMax: 2, connectTimeoutMs: 500, acquireTimeoutMs: 20_000 }, async (orm) => {
      const ann = callerFor(orm, 'ann');
      const { released } = await holdConversationLock(conversationId, 1_500);
      // Two calls take both connections and wait on the lock; the other eight wait 1.5 s for a connection,
      // three times the connect timeout.
      const writes = Array.from({ length: 10 }, (_, index) =>
        failure(ann.message.append({ conversationId, role: 'user', parts: [text(`queued ${index}`)] })),
      );
      await released;
      expect((await Promise.all(writes)).map((outcome) => outcome.code)).toEqual(Array(10).fill('OK'));
    });
    const page = await callerFor(db.orm, 'ann').message.list({ conversationId, limit: 50 });
    expect(page.items).toHaveLength(11);
  });

  it('answers SERVICE_UNAVAILABLE saying the server is busy once a call has waited out the acquire timeout', async () => {
    const conversationId = crypto.randomUUID();
    await callerFor(db.orm, 'bo').message.append({ conversationId, role: 'user', parts: [text('first')] });
    await withOrm({ clientUrl: db.url, poolMax: 1, acquireTimeoutMs: 300 }, async (orm) => {
      const bo = callerFor(orm, 'bo');
      const { released } = await holdConversationLock(conversationId, 1_500);
      const holdsTheConnection = failure(bo.message.append({ conversationId, role: 'user', parts: [text('a')] }));
      await sleep(100);
      const starved = await failure(bo.message.append({ conversationId, role: 'user', parts: [text('b')] }));
      expect(starved).toEqual({
        code: 'SERVICE_UNAVAILABLE',
        message: 'Every database connection is busy; retry shortly.',
      });
      await released;
      expect((await holdsTheConnection).code).toBe('OK');
    });
  });
});
