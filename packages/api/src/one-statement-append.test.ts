import { MikroORM } from '@mikro-orm/postgresql';
import { ormOptions } from '@threadstore/shared/server';
import { createTestDatabase, type TestDatabase } from '@threadstore/shared/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callerFor, text } from './testing.ts';

let db: TestDatabase;
/** An ORM on the test database that keeps the statements MikroORM sends, BEGIN and COMMIT among them. */
let orm: MikroORM;
const logged: string[] = [];
beforeAll(async () => {
  db = await createTestDatabase();
  orm = await MikroORM.init({
    ...ormOptions({ clientUrl: db.url }),
    debug: ['query'],
    logger: (line) => logged.push(line),
  });
});
afterAll(async () => {
  await orm.close(true);
  await db.drop();
});

/** The statements MikroORM logged while `work` ran. */
async function loggedDuring(work: () => Promise<unknown>): Promise<string[]> {
  logged.length = 0;
  await work();
  return [...logged];
}
const transactions = (lines: string[]) => lines.filter((line) => line.endsWith('begin')).length;

describe('appending to a conversation that exists', () => {
  it('sends one statement and no BEGIN; a new conversation takes the locking transaction', async () => {
    const ann = callerFor(orm, 'ann');
    const conversationId = crypto.randomUUID();
    const creating = await loggedDuring(() => ann.message.append({ conversationId, role: 'user', parts: [text('a')] }));
    const appending = await loggedDuring(() =>
      ann.message.append({ conversationId, role: 'assistant', parts: [text('b')] }),
    );
    const round = await loggedDuring(() =>
      ann.message.appendRound({ conversationId, user: { parts: [text('c')] }, assistant: { parts: [text('d')] } }),
    );

    expect(transactions(creating)).toBe(1);
    expect(transactions(appending)).toBe(0);
    expect(transactions(round)).toBe(0);
    const page = await ann.message.list({ conversationId });
    expect(page.items.map((message) => message.parts)).toEqual([[text('a')], [text('b')], [text('c')], [text('d')]]);
  });
});
