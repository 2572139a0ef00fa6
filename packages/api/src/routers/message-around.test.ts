import { createTestDatabase, type TestDatabase } from '@threadstore/shared/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendMessages } from '../services/messages.ts';
import { callerFor, codeOf, text } from '../testing.ts';

let db: TestDatabase;
let conversationId: string;
let ids: string[];
beforeAll(async () => {
  db = await createTestDatabase();
  conversationId = crypto.randomUUID();
  const stored = await db.orm.em.fork().transactional((tx) =>
    appendMessages(
      tx,
      'alice',
      conversationId,
      Array.from({ length: 250 }, (_, index) => ({
        body: { role: index % 2 === 0 ? ('user' as const) : ('assistant' as const), parts: [text(`message ${index}`)] },
        status: 'complete' as const,
      })),
    ),
  );
  ids = stored.map((message) => message.id);
});
afterAll(() => db.drop());

const alice = () => callerFor(db.orm, 'alice');

describe('message.around', () => {
  it('returns the message with `limit` on each side, and cursors that page on with message.list', async () => {
    const page = await alice().message.around({ id: ids[100] as string, limit: 10 });
    expect(page.items.map((message) => message.id)).toEqual(ids.slice(90, 111));
    const older = await alice().message.list({
      conversationId,
      direction: 'older',
      cursor: page.olderCursor as string,
      limit: 5,
    });
    expect(older.items.map((message) => message.id)).toEqual(ids.slice(85, 90));
    const newer = await alice().message.list({
      conversationId,
      direction: 'newer',
      cursor: page.newerCursor as string,
      limit: 5,
    });
    expect(newer.items.map((message) => message.id)).toEqual(ids.slice(111, 116));
  });

  it('stops at either end of the conversation with a null cursor', async () => {
    const first = await alice().message.around({ id: ids[2] as string, limit: 5 });
    expect(first.items.map((message) => message.id)).toEqual(ids.slice(0, 8));
    expect(first.olderCursor).toBeNull();
    expect(first.newerCursor).not.toBeNull();
    const last = await alice().message.around({ id: ids[249] as string });
    expect(last.items.map((message) => message.id)).toEqual(ids.slice(219));
    expect(last.newerCursor).toBeNull();
    const exact = await alice().message.around({ id: ids[5] as string, limit: 5 });
    expect(exact.items).toHaveLength(11);
    expect(exact.olderCursor).toBeNull();
  });

  it("is NOT_FOUND for another user's message or an unknown id", async () => {
    expect(await codeOf(callerFor(db.orm, 'bob').message.around({ id: ids[0] as string }))).toBe('NOT_FOUND');
    expect(await codeOf(alice().message.around({ id: crypto.randomUUID() }))).toBe('NOT_FOUND');
    expect(await codeOf(alice().message.around({ id: ids[0] as string, limit: 101 }))).toBe('BAD_REQUEST');
  });
});
