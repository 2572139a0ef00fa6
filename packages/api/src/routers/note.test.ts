import { createTestDatabase, type TestDatabase } from '@threadstore/shared/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callerFor, codeOf, failure, serviceCaller } from '../testing.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.drop());

/** A session of alice's with three notes: profile1 and profile2 (action profile), plan (action plan). */
async function sessionWithNotes() {
  const alice = callerFor(db.orm, 'alice');
  const sessionId = crypto.randomUUID();
  await alice.note.create({ sessionId, action: 'profile', name: 'profile1', context: '一线城市25-32岁的职业女性' });
  await alice.note.create({ sessionId, action: 'profile', name: 'profile2', context: 'second', selectStatus: 1 });
  await alice.note.create({ sessionId, action: 'plan', name: 'plan', context: 'plan', metadata: { source: 'agent' } });
  return { alice, sessionId };
}

describe('note', () => {
  it('creates in a new session, creating its conversation, and gets by name', async () => {
    const alice = callerFor(db.orm, 'alice');
    const sessionId = crypto.randomUUID();
    const note = await alice.note.create({
      sessionId,
      action: ' nova3_profile ',
      name: ' profile1 ',
      context: ' text ',
    });
    expect(note).toMatchObject({
      sessionId,
      action: 'nova3_profile',
      name: 'profile1',
      context: ' text ',
      selectStatus: 0,
      metadata: {},
      version: 1,
    });
    expect((await alice.conversation.get({ id: sessionId })).userId).toBe('alice');
    expect(await alice.note.getByName({ sessionId, name: 'profile1' })).toEqual(note);
    const missing = await failure(alice.note.getByName({ sessionId, name: 'nope' }));
    expect(missing).toEqual({ code: 'NOT_FOUND', message: `Note "nope" of session ${sessionId} not found.` });
  });

  it('replays a create with the same client id; another payload or a taken name is CONFLICT', async () => {
    const alice = callerFor(db.orm, 'alice');
    const sessionId = crypto.randomUUID();
    const id = crypto.randomUUID();
    const input = { id, sessionId, action: 'a', name: 'n', context: 'c', metadata: { k: [1, { x: 2 }] } };
    const note = await alice.note.create(input);
    expect(note.id).toBe(id);
    expect(await alice.note.create({ ...input, metadata: { k: [1, { x: 2.0 }] } })).toEqual(note);
    expect(await codeOf(alice.note.create({ ...input, context: 'other' }))).toBe('CONFLICT');
    expect(await codeOf(alice.note.create({ ...input, selectStatus: 1 }))).toBe('CONFLICT');
    const taken = await failure(alice.note.create({ sessionId, action: 'b', name: 'n', context: 'again' }));
    expect(taken).toEqual({ code: 'CONFLICT', message: `name: session ${sessionId} already has a note named "n"` });
    expect(
      await codeOf(alice.note.create({ id: crypto.randomUUID(), sessionId, action: 'a', name: 'n', context: 'c' })),
    ).toBe('CONFLICT');
    expect((await alice.note.list({ sessionId })).items).toHaveLength(1);
  });

  it("lists a session's notes in creation order, page by page, optionally for one action", async () => {
    const { alice, sessionId } = await sessionWithNotes();
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await alice.note.list({ sessionId, limit: 2, cursor });
      seen.push(...page.items.map((item) => item.name));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(['profile1', 'profile2', 'plan']);
    expect((await alice.note.list({ sessionId, action: 'profile' })).items.map((item) => item.name)).toEqual([
      'profile1',
      'profile2',
    ]);
    expect((await alice.note.list({ sessionId, action: 'none' })).items).toEqual([]);
  });

  it('updates content and metadata with optimistic locking', async () => {
    const { alice, sessionId } = await sessionWithNotes();
    const updated = await alice.note.update({ sessionId, name: 'plan', context: 'new plan', expectedVersion: 1 });
    expect(updated).toMatchObject({ context: 'new plan', metadata: { source: 'agent' }, version: 2 });
    const stale = await failure(alice.note.update({ sessionId, name: 'plan', context: 'stale', expectedVersion: 1 }));
    expect(stale.code).toBe('CONFLICT');
    expect(stale.message).toContain('version 2, not 1');
    expect(await alice.note.update({ sessionId, name: 'plan', metadata: { edited: true } })).toMatchObject({
      context: 'new plan',
      metadata: { edited: true },
      version: 3,
    });
    expect(await codeOf(alice.note.update({ sessionId, name: 'missing', context: 'x' }))).toBe('NOT_FOUND');
    const nothing = await failure(alice.note.update({ sessionId, name: 'plan' }));
    expect(nothing.code).toBe('BAD_REQUEST');
    expect(nothing.message).toContain('context or metadata');
  });

  it('deletes by name', async () => {
    const { alice, sessionId } = await sessionWithNotes();
    const { id } = await alice.note.getByName({ sessionId, name: 'plan' });
    expect(await alice.note.delete({ sessionId, name: 'plan' })).toEqual({ id, name: 'plan', deleted: true });
    expect(await codeOf(alice.note.delete({ sessionId, name: 'plan' }))).toBe('NOT_FOUND');
    expect(await codeOf(alice.note.getByName({ sessionId, name: 'plan' }))).toBe('NOT_FOUND');
  });

  it('sets one selection, and several in one transaction', async () => {
    const { alice, sessionId } = await sessionWithNotes();
    expect(await alice.note.setSelection({ sessionId, name: 'plan', selectStatus: 2 })).toMatchObject({
      name: 'plan',
      selectStatus: 2,
      version: 2,
    });
    expect(await codeOf(alice.note.setSelection({ sessionId, name: 'missing', selectStatus: 1 }))).toBe('NOT_FOUND');
    const changed = await alice.note.setSelections({ sessionId, selections: { profile1: 1, profile2: 0 } });
    expect(changed.map(({ name, selectStatus }) => ({ name, selectStatus }))).toEqual([
      { name: 'profile1', selectStatus: 1 },
      { name: 'profile2', selectStatus: 0 },
    ]);
    expect(await alice.note.setSelections({ sessionId, selections: {} })).toEqual([]);
  });

  it('changes nothing when one name of a batch is missing', async () => {
    const { alice, sessionId } = await sessionWithNotes();
    const before = (await alice.note.list({ sessionId })).items;
    const result = await failure(
      alice.note.setSelections({ sessionId, selections: { profile1: 5, ghost: 1, plan: 5, phantom: 1 } }),
    );
    expect(result).toEqual({
      code: 'NOT_FOUND',
      message: `Notes "ghost", "phantom" of session ${sessionId} not found.`,
    });
    expect((await alice.note.list({ sessionId })).items).toEqual(before);
  });

  it('summarises a session: totals, per action, per selection status, and the selected names', async () => {
    const { alice, sessionId } = await sessionWithNotes();
    await alice.note.setSelections({ sessionId, selections: { plan: 2, profile1: 1 } });
    expect(await alice.note.summary({ sessionId })).toEqual({
      total: 3,
      perAction: [
        { action: 'plan', count: 1 },
        { action: 'profile', count: 2 },
      ],
      perSelectStatus: [
        { selectStatus: 1, count: 2 },
        { selectStatus: 2, count: 1 },
      ],
      selected: 3,
      selectedNames: ['plan', 'profile1', 'profile2'],
    });
    expect(await alice.note.summary({ sessionId: crypto.randomUUID() })).toEqual({
      total: 0,
      perAction: [],
      perSelectStatus: [],
      selected: 0,
      selectedNames: [],
    });
  });

  it('validates names, actions, content and selection statuses', async () => {
    const alice = callerFor(db.orm, 'alice');
    const sessionId = crypto.randomUUID();
    for (const [field, value] of [
      ['name', ''],
      ['name', 'x'.repeat(256)],
      ['action', '  '],
      ['action', 'y'.repeat(256)],
    ] as const) {
      const result = await failure(
        alice.note.create({ sessionId, action: 'a', name: 'n', context: 'c', [field]: value }),
      );
      expect(result.code).toBe('BAD_REQUEST');
      expect(result.message).toMatch(new RegExp(`^${field}: ${field} must`));
    }
    expect(await codeOf(alice.note.create({ sessionId, action: 'a', name: 'n', context: 'x'.repeat(1_000_001) }))).toBe(
      'BAD_REQUEST',
    );
    expect(
      await codeOf(alice.note.create({ sessionId, action: 'a', name: 'n', context: 'c', selectStatus: 1.5 })),
    ).toBe('BAD_REQUEST');
    const badKey = await failure(alice.note.setSelections({ sessionId, selections: { ' ': 1 } }));
    expect(badKey.code).toBe('BAD_REQUEST');
    expect(badKey.message).toContain('note name " " must be 1 to 255 characters');
    const badStatus = await failure(alice.note.setSelections({ sessionId, selections: { n: 2 ** 31 } }));
    expect(badStatus).toEqual({ code: 'BAD_REQUEST', message: 'selections.n: selectStatus must be a 32-bit integer' });
    expect(await codeOf(alice.note.list({ sessionId: 'nope!' }))).toBe('BAD_REQUEST');
  });

  it('keeps users and sessions apart', async () => {
    const { alice, sessionId } = await sessionWithNotes();
    const bob = callerFor(db.orm, 'bob');
    expect(await codeOf(bob.note.getByName({ sessionId, name: 'plan' }))).toBe('NOT_FOUND');
    expect((await bob.note.list({ sessionId })).items).toEqual([]);
    expect((await bob.note.summary({ sessionId })).total).toBe(0);
    expect(await codeOf(bob.note.create({ sessionId, action: 'a', name: 'x', context: 'c' }))).toBe('NOT_FOUND');
    expect(await codeOf(bob.note.update({ sessionId, name: 'plan', context: 'hijack' }))).toBe('NOT_FOUND');
    expect(await codeOf(bob.note.delete({ sessionId, name: 'plan' }))).toBe('NOT_FOUND');
    expect(await codeOf(bob.note.setSelection({ sessionId, name: 'plan', selectStatus: 1 }))).toBe('NOT_FOUND');
    expect(await codeOf(bob.note.setSelections({ sessionId, selections: { plan: 1 } }))).toBe('NOT_FOUND');
    expect(await alice.note.getByName({ sessionId, name: 'plan' })).toMatchObject({ context: 'plan', version: 1 });

    const otherSession = crypto.randomUUID();
    await alice.note.create({ sessionId: otherSession, action: 'plan', name: 'plan', context: 'elsewhere' });
    expect((await alice.note.getByName({ sessionId, name: 'plan' })).context).toBe('plan');
    await alice.note.setSelections({ sessionId: otherSession, selections: { plan: 7 } });
    expect((await alice.note.getByName({ sessionId, name: 'plan' })).selectStatus).toBe(0);
    expect(await codeOf(alice.note.setSelections({ sessionId: otherSession, selections: { profile1: 1 } }))).toBe(
      'NOT_FOUND',
    );
  });

  it('acts for the user a service token names', async () => {
    const service = serviceCaller(db.orm);
    const sessionId = crypto.randomUUID();
    await service.note.create({ userId: 'dave', sessionId, action: 'a', name: 'n', context: 'by service' });
    expect((await callerFor(db.orm, 'dave').note.getByName({ sessionId, name: 'n' })).context).toBe('by service');
    expect(await codeOf(service.note.list({ sessionId }))).toBe('BAD_REQUEST');
  });

  it("keeps the seed's unique constraint on (user_id, session_id, name)", async () => {
    const { sessionId } = await sessionWithNotes();
    const duplicate = db.orm.em
      .fork()
      .execute(
        `insert into notes (user_id, session_id, action, name, context) values ('alice', ?, 'x', 'plan', 'dup')`,
        [sessionId],
      );
    await expect(duplicate).rejects.toThrow(/notes_unique_user_session_name/);
  });
});
