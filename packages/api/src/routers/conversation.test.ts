import { createTestDatabase, type TestDatabase } from '@threadstore/shared/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anonymousCaller, callerFor, codeOf, serviceCaller, text } from '../testing.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.drop());

describe('conversation', () => {
  it('creates, gets, and replays a create with the same client id', async () => {
    const alice = callerFor(db.orm, 'alice');
    const id = crypto.randomUUID();
    const created = await alice.conversation.create({ id, title: '汽车知识', tags: ['cars'] });
    expect(created).toMatchObject({
      id,
      title: '汽车知识',
      tags: ['cars'],
      pinned: false,
      version: 1,
      messageCount: 0,
    });
    expect(await alice.conversation.create({ id, tags: ['cars'], title: '汽车知识' })).toEqual(created);
    expect(await codeOf(alice.conversation.create({ id, title: 'other' }))).toBe('CONFLICT');
    expect(await alice.conversation.get({ id })).toEqual(created);
  });

  it("never shows one user another user's conversation", async () => {
    const bob = callerFor(db.orm, 'bob');
    const { id } = await callerFor(db.orm, 'carol').conversation.create({ title: 'private' });
    expect(await codeOf(bob.conversation.get({ id }))).toBe('NOT_FOUND');
    expect(await codeOf(bob.conversation.update({ id, title: 'x' }))).toBe('NOT_FOUND');
    expect(await codeOf(bob.conversation.purge({ id }))).toBe('NOT_FOUND');
    expect(await codeOf(bob.message.append({ conversationId: id, role: 'user', parts: [text('hi')] }))).toBe(
      'NOT_FOUND',
    );
    expect((await bob.conversation.list()).items.map((item) => item.id)).not.toContain(id);
  });

  it('rejects calls without a token, and service calls that name no user', async () => {
    expect(await codeOf(anonymousCaller(db.orm).conversation.list())).toBe('UNAUTHORIZED');
    const service = serviceCaller(db.orm);
    expect(await codeOf(service.conversation.list())).toBe('BAD_REQUEST');
    const made = await service.conversation.create({ userId: 'dave', title: 'by service' });
    expect(made.userId).toBe('dave');
    expect((await callerFor(db.orm, 'dave').conversation.get({ id: made.id })).title).toBe('by service');
    expect(await codeOf(callerFor(db.orm, 'erin').conversation.list({ userId: 'dave' }))).toBe('FORBIDDEN');
  });

  it('updates with optimistic locking', async () => {
    const alice = callerFor(db.orm, 'alice');
    const { id, version } = await alice.conversation.create({ title: 'first' });
    const renamed = await alice.conversation.update({ id, title: 'second', expectedVersion: version });
    expect(renamed).toMatchObject({ title: 'second', version: version + 1 });
    expect(await codeOf(alice.conversation.update({ id, title: 'stale', expectedVersion: version }))).toBe('CONFLICT');
    const archived = await alice.conversation.update({ id, archived: true, pinned: true, tags: ['a', 'b'] });
    expect(archived.archivedAt).not.toBeNull();
    expect(archived).toMatchObject({ pinned: true, tags: ['a', 'b'] });
  });

  it("renames without touching its messages' updated_at, which only edits move", async () => {
    const alice = callerFor(db.orm, 'alice');
    const conversationId = crypto.randomUUID();
    const message = await alice.message.append({ conversationId, role: 'user', parts: [text('keep my time')] });
    await alice.conversation.update({ id: conversationId, title: 'renamed' });
    expect((await alice.message.get({ id: message.id })).updatedAt).toBe(message.updatedAt);
    const edited = await alice.message.update({ id: message.id, metadata: { edited: true } });
    expect(edited.updatedAt > message.updatedAt).toBe(true);
  });

  it('moves to the trash, restores, and purges with everything in it', async () => {
    const alice = callerFor(db.orm, 'alice');
    const { id } = await alice.conversation.create({ title: 'to trash' });
    await alice.message.append({ conversationId: id, role: 'user', parts: [text('hello')] });
    const trashed = await alice.conversation.delete({ id });
    expect(trashed.deletedAt).not.toBeNull();
    expect((await alice.conversation.list()).items.map((item) => item.id)).not.toContain(id);
    expect((await alice.conversation.list({ trashed: true })).items.map((item) => item.id)).toContain(id);
    expect(await codeOf(alice.message.append({ conversationId: id, role: 'user', parts: [text('x')] }))).toBe(
      'NOT_FOUND',
    );
    expect((await alice.conversation.restore({ id })).deletedAt).toBeNull();
    expect(await alice.conversation.purge({ id })).toEqual({ id, purged: true });
    expect(await codeOf(alice.conversation.get({ id }))).toBe('NOT_FOUND');
    const [left] = await db.orm.em
      .fork()
      .execute<{ n: string }[]>('select count(*) as n from messages where conversation_uuid = ?', [id]);
    expect(Number(left?.n)).toBe(0);
  });

  it('lists pinned first, then by last activity, with filters and a keyset cursor', async () => {
    const frank = callerFor(db.orm, 'frank');
    const ids: string[] = [];
    for (let index = 0; index < 7; index += 1) {
      const { id } = await frank.conversation.create({ title: `c${index}`, tags: index % 2 === 0 ? ['even'] : [] });
      ids.push(id);
    }
    await frank.message.append({ conversationId: ids[0] as string, role: 'user', parts: [text('bump')] });
    await frank.conversation.update({ id: ids[3] as string, pinned: true });
    await frank.conversation.update({ id: ids[5] as string, archived: true });

    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await frank.conversation.list({ limit: 2, cursor });
      seen.push(...page.items.map((item) => item.title ?? ''));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(['c3', 'c0', 'c6', 'c4', 'c2', 'c1']);
    expect((await frank.conversation.list({ archived: true })).items.map((item) => item.title)).toEqual(['c5']);
    expect((await frank.conversation.list({ tag: 'even' })).items.map((item) => item.title)).toEqual([
      'c0',
      'c6',
      'c4',
      'c2',
    ]);
    expect((await frank.conversation.list({ pinned: true })).items.map((item) => item.title)).toEqual(['c3']);
    expect(await codeOf(frank.conversation.list({ cursor: 'garbage' }))).toBe('BAD_REQUEST');
  });

  it('counts messages per day, per role and per tool', async () => {
    const gina = callerFor(db.orm, 'gina');
    const conversationId = crypto.randomUUID();
    await gina.message.appendRound({
      conversationId,
      user: { parts: [text('weather?')] },
      assistant: {
        parts: [
          {
            type: 'tool-get_weather',
            toolCallId: 'c1',
            state: 'output-available',
            input: { city: 'Tokyo' },
            output: { t: 20 },
          },
          { type: 'dynamic-tool', toolName: 'search', toolCallId: 'c2', state: 'input-available', input: {} },
          text('20 degrees'),
        ],
      },
    });
    const stats = await gina.conversation.stats();
    expect(stats.conversations).toBe(1);
    expect(stats.messages).toBe(2);
    expect(stats.perRole).toEqual([
      { role: 'assistant', count: 1 },
      { role: 'user', count: 1 },
    ]);
    expect(stats.perTool).toEqual([
      { tool: 'get_weather', count: 1 },
      { tool: 'search', count: 1 },
    ]);
    expect(stats.perDay).toEqual([{ day: new Date().toISOString().slice(0, 10), count: 2 }]);
    expect(await codeOf(gina.conversation.stats({ timeZone: 'Not/AZone' }))).toBe('BAD_REQUEST');
  });
});
