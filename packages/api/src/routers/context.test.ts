import { MAX_CONTEXT_BYTES } from '@threadstore/shared';
import { createTestDatabase, type TestDatabase } from '@threadstore/shared/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callerFor, codeOf, failure, serviceCaller } from '../testing.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.drop());

const count = async (sql: string, params: unknown[]) => {
  const [row] = await db.orm.em.fork().execute<{ n: string }[]>(sql, params);
  return Number(row?.n);
};

describe('context', () => {
  it('saves into a new session, creating its conversation for the caller, and upserts on the action', async () => {
    const alice = callerFor(db.orm, 'alice');
    const sessionId = crypto.randomUUID();
    const first = await alice.context.save({
      sessionId,
      action: 'tactics',
      contextData: { step: 1 },
      metadata: { by: 'a' },
    });
    expect(first).toMatchObject({
      sessionId,
      action: 'tactics',
      contextData: { step: 1 },
      metadata: { by: 'a' },
      version: 1,
    });
    expect((await alice.conversation.get({ id: sessionId })).userId).toBe('alice');

    const second = await alice.context.save({ sessionId, action: 'tactics', contextData: { step: 2 } });
    expect(second).toMatchObject({ id: first.id, contextData: { step: 2 }, metadata: { by: 'a' }, version: 2 });
    expect(await alice.context.get({ sessionId, action: 'tactics' })).toEqual(second);
    expect(Date.parse(second.updatedAt)).toBeGreaterThanOrEqual(Date.parse(first.updatedAt));
    expect(await count('select count(*) as n from contexts where session_id = ?', [sessionId])).toBe(1);
  });

  it('replays a save with the same client id, and refuses the id with another payload or another row', async () => {
    const alice = callerFor(db.orm, 'alice');
    const sessionId = crypto.randomUUID();
    const id = crypto.randomUUID();
    const saved = await alice.context.save({ id, sessionId, action: 'a', contextData: { x: 1, y: [1, 2] } });
    expect(saved.id).toBe(id);
    expect(await alice.context.save({ id, sessionId, action: 'a', contextData: { y: [1, 2], x: 1.0 } })).toEqual(saved);
    expect(await codeOf(alice.context.save({ id, sessionId, action: 'a', contextData: { x: 2 } }))).toBe('CONFLICT');
    expect(await codeOf(alice.context.save({ id, sessionId, action: 'b', contextData: { x: 1, y: [1, 2] } }))).toBe(
      'CONFLICT',
    );
    expect(
      await codeOf(
        callerFor(db.orm, 'bob').context.save({
          id,
          sessionId: crypto.randomUUID(),
          action: 'a',
          contextData: { x: 1, y: [1, 2] },
        }),
      ),
    ).toBe('CONFLICT');
    const otherId = await failure(
      alice.context.save({ id: crypto.randomUUID(), sessionId, action: 'a', contextData: {} }),
    );
    expect(otherId.code).toBe('CONFLICT');
    expect(otherId.message).toContain('under another id');
    const both = await failure(alice.context.save({ id, sessionId, action: 'a', contextData: {}, expectedVersion: 1 }));
    expect(both).toMatchObject({ code: 'BAD_REQUEST' });
    expect(both.message).toContain('expectedVersion');
    expect((await alice.context.get({ sessionId, action: 'a' })).version).toBe(1);
  });

  it('refuses a replay once the context was changed after it, as a replay of what is no longer stored', async () => {
    const alice = callerFor(db.orm, 'alice');
    const sessionId = crypto.randomUUID();
    const id = crypto.randomUUID();
    const write = { id, sessionId, action: 'a', contextData: { x: 1 } };
    await alice.context.save(write);
    await alice.context.setField({ sessionId, action: 'a', path: ['x'], value: 2 });
    expect(await codeOf(alice.context.save(write))).toBe('CONFLICT');
    expect((await alice.context.get({ sessionId, action: 'a' })).contextData).toEqual({ x: 2 });
  });

  it('updates with expectedVersion: stale is CONFLICT, absent is NOT_FOUND', async () => {
    const alice = callerFor(db.orm, 'alice');
    const sessionId = crypto.randomUUID();
    await alice.context.save({ sessionId, action: 'a', contextData: { v: 1 } });
    const next = await alice.context.save({ sessionId, action: 'a', contextData: { v: 2 }, expectedVersion: 1 });
    expect(next.version).toBe(2);
    const stale = await failure(
      alice.context.save({ sessionId, action: 'a', contextData: { v: 3 }, expectedVersion: 1 }),
    );
    expect(stale.code).toBe('CONFLICT');
    expect(stale.message).toContain('version 2, not 1');
    expect(await codeOf(alice.context.save({ sessionId, action: 'none', contextData: {}, expectedVersion: 1 }))).toBe(
      'NOT_FOUND',
    );
    expect((await alice.context.get({ sessionId, action: 'a' })).contextData).toEqual({ v: 2 });
  });

  it('lets exactly one of concurrent saves with the same expectedVersion win', async () => {
    const sessionId = crypto.randomUUID();
    const { version } = await callerFor(db.orm, 'alice').context.save({ sessionId, action: 'race', contextData: {} });
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, index) =>
        failure(
          callerFor(db.orm, 'alice').context.save({
            sessionId,
            action: 'race',
            contextData: { index },
            expectedVersion: version,
          }),
        ),
      ),
    );
    expect(results.filter((result) => result.code === 'OK')).toHaveLength(1);
    expect(results.filter((result) => result.code === 'CONFLICT')).toHaveLength(9);
    expect((await callerFor(db.orm, 'alice').context.get({ sessionId, action: 'race' })).version).toBe(version + 1);
  });

  it('gets one action, lists every action page by page, and deletes one or all', async () => {
    const alice = callerFor(db.orm, 'alice');
    const sessionId = crypto.randomUUID();
    const actions = ['conversation_history', 'tactics', 'profile', 'plan', 'draft'];
    for (const action of actions) await alice.context.save({ sessionId, action, contextData: { action } });
    expect(await codeOf(alice.context.get({ sessionId, action: 'missing' }))).toBe('NOT_FOUND');

    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await alice.context.list({ sessionId, limit: 2, cursor });
      seen.push(...page.items.map((item) => item.action));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(actions);
    expect(await codeOf(alice.context.list({ sessionId, cursor: 'garbage' }))).toBe('BAD_REQUEST');

    expect(await alice.context.delete({ sessionId, action: 'draft' })).toEqual({ deleted: 1 });
    expect(await alice.context.delete({ sessionId, action: 'draft' })).toEqual({ deleted: 0 });
    expect(await codeOf(alice.context.get({ sessionId, action: 'draft' }))).toBe('NOT_FOUND');
    expect(await alice.context.delete({ sessionId })).toEqual({ deleted: 4 });
    expect((await alice.context.list({ sessionId })).items).toEqual([]);
  });

  it('sets a field at a path, creating the context and the objects on the way', async () => {
    const alice = callerFor(db.orm, 'alice');
    const sessionId = crypto.randomUUID();
    const created = await alice.context.setField({
      sessionId,
      action: 'tactics',
      path: ['plan', 'steps', 'first'],
      value: '调研',
    });
    expect(created).toMatchObject({ contextData: { plan: { steps: { first: '调研' } } }, metadata: {}, version: 1 });
    expect((await alice.conversation.get({ id: sessionId })).userId).toBe('alice');

    await alice.context.save({
      sessionId,
      action: 'tactics',
      contextData: { keep: true, plan: { n: null }, 'a.b': 1 },
    });
    await alice.context.setField({ sessionId, action: 'tactics', path: ['plan', 'n', 'deep'], value: { x: [1, 2] } });
    await alice.context.setField({ sessionId, action: 'tactics', path: ['a.b'], value: 2 });
    await alice.context.setField({ sessionId, action: 'tactics', path: ['quote"d', '{brace}'], value: null });
    const updated = await alice.context.setField({
      sessionId,
      action: 'tactics',
      path: ['keep'],
      value: ['now', 'a list'],
    });
    expect(updated.contextData).toEqual({
      keep: ['now', 'a list'],
      plan: { n: { deep: { x: [1, 2] } } },
      'a.b': 2,
      'quote"d': { '{brace}': null },
    });
    expect(updated.version).toBe(6);
  });

  it('refuses empty paths, paths through non-objects and missing values', async () => {
    const alice = callerFor(db.orm, 'alice');
    const sessionId = crypto.randomUUID();
    await alice.context.save({ sessionId, action: 'a', contextData: { name: 'text', list: [{ x: 1 }], n: 3 } });
    const empty = await failure(alice.context.setField({ sessionId, action: 'a', path: [], value: 1 }));
    expect(empty.code).toBe('BAD_REQUEST');
    expect(empty.message).toContain('path');
    const throughString = await failure(
      alice.context.setField({ sessionId, action: 'a', path: ['name', 'first'], value: 1 }),
    );
    expect(throughString).toEqual({
      code: 'BAD_REQUEST',
      message: 'path: ["name"] holds a value of type string, not an object, so ["name","first"] cannot be set',
    });
    const throughArray = await failure(
      alice.context.setField({ sessionId, action: 'a', path: ['list', '0', 'x'], value: 2 }),
    );
    expect(throughArray.code).toBe('BAD_REQUEST');
    expect(throughArray.message).toContain('["list"] holds a value of type array');
    expect(await codeOf(alice.context.setField({ sessionId, action: 'a', path: ['n', 'x'], value: 1 }))).toBe(
      'BAD_REQUEST',
    );
    // @ts-expect-error value is required, even when it is null
    expect(await codeOf(alice.context.setField({ sessionId, action: 'a', path: ['z'] }))).toBe('BAD_REQUEST');
    expect(await alice.context.get({ sessionId, action: 'a' })).toMatchObject({
      contextData: { name: 'text', list: [{ x: 1 }], n: 3 },
      version: 1,
    });
  });

  it('loses nothing when 50 setField calls on different paths of one context run at once', async () => {
    const sessionId = crypto.randomUUID();
    await callerFor(db.orm, 'alice').context.save({ sessionId, action: 'shared', contextData: { base: true } });
    await Promise.all(
      Array.from({ length: 50 }, (_, index) =>
        callerFor(db.orm, 'alice').context.setField({
          sessionId,
          action: 'shared',
          path: ['fields', `group${index % 5}`, `field${index}`],
          value: index,
        }),
      ),
    );
    const { contextData, version } = await callerFor(db.orm, 'alice').context.get({ sessionId, action: 'shared' });
    expect(version).toBe(51);
    expect(contextData.base).toBe(true);
    const fields = contextData.fields as Record<string, Record<string, number>>;
    expect(Object.keys(fields).sort()).toEqual(['group0', 'group1', 'group2', 'group3', 'group4']);
    for (let index = 0; index < 50; index += 1) expect(fields[`group${index % 5}`]?.[`field${index}`]).toBe(index);
  });

  it('also loses nothing when concurrent setField calls create the context', async () => {
    const sessionId = crypto.randomUUID();
    await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        callerFor(db.orm, 'alice').context.setField({ sessionId, action: 'fresh', path: [`k${index}`], value: index }),
      ),
    );
    const { contextData, version } = await callerFor(db.orm, 'alice').context.get({ sessionId, action: 'fresh' });
    expect(Object.keys(contextData)).toHaveLength(20);
    expect(version).toBe(20);
  });

  it('validates action names and the context size limit', async () => {
    const alice = callerFor(db.orm, 'alice');
    const sessionId = crypto.randomUUID();
    for (const action of ['', '   ', 'x'.repeat(256)]) {
      const result = await failure(alice.context.save({ sessionId, action, contextData: {} }));
      expect(result.code).toBe('BAD_REQUEST');
      expect(result.message).toMatch(/^action: action must/);
    }
    expect((await alice.context.save({ sessionId, action: `  ${'x'.repeat(255)}  `, contextData: {} })).action).toBe(
      'x'.repeat(255),
    );
    expect(await codeOf(alice.context.setField({ sessionId, action: '', path: ['a'], value: 1 }))).toBe('BAD_REQUEST');
    expect(await codeOf(alice.context.get({ sessionId: 'not a uuid or client id', action: 'a' }))).toBe('BAD_REQUEST');

    const big = 'x'.repeat(MAX_CONTEXT_BYTES);
    const oversize = await failure(alice.context.save({ sessionId, action: 'big', contextData: { big } }));
    expect(oversize.code).toBe('BAD_REQUEST');
    expect(oversize.message).toMatch(/^contextData: /);
    const atLimit = { big: 'x'.repeat(MAX_CONTEXT_BYTES - '{"big":""}'.length) };
    expect((await alice.context.save({ sessionId, action: 'big', contextData: atLimit })).version).toBe(1);
    expect(await codeOf(alice.context.setField({ sessionId, action: 'big', path: ['v'], value: big }))).toBe(
      'BAD_REQUEST',
    );
    const grown = await failure(alice.context.setField({ sessionId, action: 'big', path: ['more'], value: 1 }));
    expect(grown.code).toBe('BAD_REQUEST');
    expect(grown.message).toMatch(/^contextData: setting \["more"\] would make it \d+ bytes/);
    expect(await alice.context.get({ sessionId, action: 'big' })).toMatchObject({ contextData: atLimit, version: 1 });
  });

  it('keeps users and sessions apart', async () => {
    const alice = callerFor(db.orm, 'alice');
    const bob = callerFor(db.orm, 'bob');
    const sessionId = crypto.randomUUID();
    const otherSession = crypto.randomUUID();
    await alice.context.save({ sessionId, action: 'a', contextData: { owner: 'alice' } });
    await alice.context.save({ sessionId: otherSession, action: 'a', contextData: { owner: 'alice', session: 2 } });
    expect((await alice.context.get({ sessionId, action: 'a' })).contextData).toEqual({ owner: 'alice' });

    expect(await codeOf(bob.context.get({ sessionId, action: 'a' }))).toBe('NOT_FOUND');
    expect((await bob.context.list({ sessionId })).items).toEqual([]);
    expect(await codeOf(bob.context.save({ sessionId, action: 'a', contextData: {} }))).toBe('NOT_FOUND');
    expect(await codeOf(bob.context.setField({ sessionId, action: 'a', path: ['x'], value: 1 }))).toBe('NOT_FOUND');
    expect(await bob.context.delete({ sessionId })).toEqual({ deleted: 0 });
    expect((await alice.context.list({ sessionId })).items).toHaveLength(1);

    await alice.context.delete({ sessionId: otherSession });
    expect((await alice.context.get({ sessionId, action: 'a' })).contextData).toEqual({ owner: 'alice' });
  });

  it('acts for the user a service token names', async () => {
    const service = serviceCaller(db.orm);
    const sessionId = crypto.randomUUID();
    expect(await codeOf(service.context.save({ sessionId, action: 'a', contextData: {} }))).toBe('BAD_REQUEST');
    await service.context.save({ userId: 'dave', sessionId, action: 'a', contextData: { by: 'service' } });
    expect((await callerFor(db.orm, 'dave').context.get({ sessionId, action: 'a' })).contextData).toEqual({
      by: 'service',
    });
    expect(await codeOf(service.context.get({ userId: 'erin', sessionId, action: 'a' }))).toBe('NOT_FOUND');
  });

  it('refuses writes to a trashed session, and goes with its conversation when that is purged', async () => {
    const alice = callerFor(db.orm, 'alice');
    const sessionId = crypto.randomUUID();
    await alice.context.save({ sessionId, action: 'a', contextData: {} });
    await alice.note.create({ sessionId, action: 'a', name: 'n', context: 'text' });
    await alice.conversation.delete({ id: sessionId });
    expect(await codeOf(alice.context.save({ sessionId, action: 'b', contextData: {} }))).toBe('NOT_FOUND');
    expect(await codeOf(alice.context.setField({ sessionId, action: 'a', path: ['x'], value: 1 }))).toBe('NOT_FOUND');
    await alice.conversation.purge({ id: sessionId });
    expect(await count('select count(*) as n from contexts where session_id = ?', [sessionId])).toBe(0);
    expect(await count('select count(*) as n from notes where session_id = ?', [sessionId])).toBe(0);
  });

  it("keeps the seed's unique constraint on (user_id, session_id, action)", async () => {
    const sessionId = crypto.randomUUID();
    await callerFor(db.orm, 'alice').context.save({ sessionId, action: 'a', contextData: {} });
    const duplicate = db.orm.em
      .fork()
      .execute(`insert into contexts (user_id, session_id, action, context_data) values ('alice', ?, 'a', '{}')`, [
        sessionId,
      ]);
    await expect(duplicate).rejects.toThrow(/contexts_unique_user_session_action/);
  });
});
