import { MikroORM } from '@mikro-orm/postgresql';
import { ormOptions } from '@threadstore/shared/server';
import { createTestDatabase, type TestDatabase } from '@threadstore/shared/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callerFor, genericPlans, text } from './testing.ts';

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

describe('appending with client-chosen ids', () => {
  it('looks the ids up through indexes, also in the generic plan PostgreSQL switches to', async () => {
    // One connection, so the statement the append prepared is the one explained.
    const single = await MikroORM.init({ ...ormOptions({ clientUrl: db.url, poolMax: 1 }) });
    try {
      const bea = callerFor(single, 'bea');
      const conversationId = crypto.randomUUID();
      await bea.message.append({ conversationId, role: 'user', parts: [text('first')] });
      // Enough rows that reading them all costs the planner more than the two indexes do.
      await single.em.fork().execute(
        `insert into messages (uuid, conversation_uuid, role, content, parts, seq, created_at, updated_at, status)
         select gen_random_uuid(), c.uuid, 'user', 'm' || g, '[]'::jsonb, 1000 + g, now(), now(), 'complete'
           from conversations c, generate_series(1, 5000) g where c.client_id is null and c.user_id = 'bea'`,
      );
      await single.em.fork().execute('analyze messages');
      await bea.message.appendRound({
        conversationId,
        user: { id: crypto.randomUUID(), parts: [text('with a uuid')] },
        assistant: { id: 'msg_client_chosen', parts: [text('and a client id')] },
      });

      for (const plan of await genericPlans(single, 'not exists (select 1 from messages')) {
        expect(plan).not.toMatch(/Seq Scan on messages/);
        expect(plan).toMatch(/Index Only Scan using idx_messages_uuid/);
        expect(plan).toMatch(/Index Only Scan using uq_messages_client_id/);
      }
    } finally {
      await single.close(true);
    }
  });
});
