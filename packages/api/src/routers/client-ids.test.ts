import { createTestDatabase, type TestDatabase } from '@threadstore/shared/testing';
import { generateId } from 'ai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callerFor, codeOf, failure, text } from '../testing.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.drop());

const user = (name: string) => callerFor(db.orm, name);

describe('client ids (the AI SDK generateId() chat and message ids)', () => {
  it('come back exactly as given from every procedure', async () => {
    const alice = user('alice');
    const chatId = generateId();
    const [userId, replyId, streamId] = [generateId(), generateId(), `msg_${generateId()}`];
    expect(chatId).toMatch(/^[A-Za-z0-9]{16}$/);

    const round = await alice.message.appendRound({
      conversationId: chatId,
      user: { id: userId, parts: [text('Find the kestrel notes')] },
      assistant: { id: replyId, parts: [text('Here they are')] },
    });
    expect([round.user.id, round.assistant.id, round.user.conversationId]).toEqual([userId, replyId, chatId]);
    await alice.message.start({ id: streamId, conversationId: chatId });
    await alice.message.appendParts({ id: streamId, parts: [text('kestrel falcon')] });
    expect((await alice.message.finish({ id: streamId, status: 'complete' })).id).toBe(streamId);

    const listed = await alice.message.list({ conversationId: chatId });
    expect(listed.items.map((message) => [message.id, message.conversationId])).toEqual([
      [userId, chatId],
      [replyId, chatId],
      [streamId, chatId],
    ]);
    expect((await alice.message.recent({ conversationId: chatId, hours: 1 })).map((m) => m.id)).toEqual([
      userId,
      replyId,
      streamId,
    ]);
    expect((await alice.message.get({ id: replyId })).id).toBe(replyId);
    expect((await alice.message.update({ id: replyId, parts: [text('Edited')] })).id).toBe(replyId);

    const conversation = await alice.conversation.get({ id: chatId });
    expect(conversation).toMatchObject({ id: chatId, title: 'Find the kestrel notes', messageCount: 3 });
    expect((await alice.conversation.list()).items.map((item) => item.id)).toContain(chatId);
    expect((await alice.conversation.update({ id: chatId, pinned: true })).id).toBe(chatId);
    expect((await alice.conversation.stats({ conversationId: chatId })).messages).toBe(3);

    // The title matches every message of the conversation; the text, two of them.
    const hits = await alice.search.messages({ q: 'kestrel', conversationId: chatId });
    expect(new Set(hits.items.map((hit) => hit.conversation.id))).toEqual(new Set([chatId]));
    expect(hits.items.map((hit) => hit.message.id)).toEqual(expect.arrayContaining([userId, streamId]));
    expect((await alice.search.messages({ q: 'falcon' })).items.map((hit) => hit.message.id)).toEqual([streamId]);

    const context = await alice.context.save({ sessionId: chatId, action: 'plan', contextData: { step: 1 } });
    expect(context.sessionId).toBe(chatId);
    expect(
      (await alice.context.setField({ sessionId: chatId, action: 'plan', path: ['step'], value: 2 })).sessionId,
    ).toBe(chatId);
    expect((await alice.context.get({ sessionId: chatId, action: 'plan' })).contextData).toEqual({ step: 2 });
    expect((await alice.context.list({ sessionId: chatId })).items.map((item) => item.sessionId)).toEqual([chatId]);
    const note = await alice.note.create({ sessionId: chatId, action: 'a', name: 'n', context: 'c' });
    expect(note.sessionId).toBe(chatId);
    expect((await alice.note.getByName({ sessionId: chatId, name: 'n' })).sessionId).toBe(chatId);
    expect((await alice.note.setSelections({ sessionId: chatId, selections: { n: 1 } }))[0]?.sessionId).toBe(chatId);
    expect((await alice.note.summary({ sessionId: chatId })).selectedNames).toEqual(['n']);
    expect((await alice.note.list({ sessionId: chatId })).items.map((item) => item.sessionId)).toEqual([chatId]);

    expect(await alice.message.delete({ id: streamId })).toEqual({ id: streamId, deleted: true });
    expect((await alice.conversation.delete({ id: chatId })).id).toBe(chatId);
    expect((await alice.conversation.list({ trashed: true })).items.map((item) => item.id)).toContain(chatId);
    expect((await alice.conversation.restore({ id: chatId })).id).toBe(chatId);
    expect(await alice.conversation.purge({ id: chatId })).toEqual({ id: chatId, purged: true });
    expect(await codeOf(alice.context.get({ sessionId: chatId, action: 'plan' }))).toBe('NOT_FOUND');
  });

  it('keep a conversation client id per user, and a message client id to its owner', async () => {
    const [alice, bob] = [user('alice'), user('bob')];
    const chatId = 'default';
    const aliceMessage = await alice.message.append({ conversationId: chatId, role: 'user', parts: [text('mine')] });
    const bobMessage = await bob.message.append({ conversationId: chatId, role: 'user', parts: [text('his')] });
    expect(aliceMessage.conversationId).toBe(chatId);
    expect(bobMessage.conversationId).toBe(chatId);
    expect((await alice.message.list({ conversationId: chatId })).items.map((m) => m.content)).toEqual(['mine']);
    expect((await bob.message.list({ conversationId: chatId })).items.map((m) => m.content)).toEqual(['his']);
    expect((await bob.conversation.create({ id: 'bobs-own' })).id).toBe('bobs-own');
    expect(await codeOf(alice.conversation.get({ id: 'bobs-own' }))).toBe('NOT_FOUND');
    expect((await alice.conversation.create({ id: 'bobs-own', title: 'not his' })).id).toBe('bobs-own');

    const messageId = generateId();
    await alice.message.append({ id: messageId, conversationId: chatId, role: 'user', parts: [text('private')] });
    expect(await codeOf(bob.message.get({ id: messageId }))).toBe('NOT_FOUND');
    expect(await codeOf(bob.message.update({ id: messageId, parts: [text('taken')] }))).toBe('NOT_FOUND');
    expect(
      await codeOf(
        bob.message.append({ id: messageId, conversationId: chatId, role: 'user', parts: [text('private')] }),
      ),
    ).toBe('CONFLICT');
    expect((await alice.message.get({ id: messageId })).content).toBe('private');
  });

  it('replay as before: the same id and payload return the stored row, another payload is CONFLICT', async () => {
    const alice = user('alice');
    const chatId = generateId();
    const write = { id: generateId(), conversationId: chatId, role: 'user' as const, parts: [text('once')] };
    const first = await alice.message.append(write);
    expect(await alice.message.append(write)).toEqual(first);
    expect((await failure(alice.message.append({ ...write, parts: [text('twice')] }))).code).toBe('CONFLICT');
    const created = await alice.conversation.create({ id: 'chat_A-1', title: 'T' });
    expect(await alice.conversation.create({ id: 'chat_A-1', title: 'T' })).toEqual(created);
    expect(await codeOf(alice.conversation.create({ id: 'chat_A-1', title: 'other' }))).toBe('CONFLICT');
    expect((await alice.conversation.get({ id: chatId })).messageCount).toBe(1);
  });

  it('refuses ids that are neither, naming the field', async () => {
    const alice = user('alice');
    for (const id of ['', 'has space', 'x'.repeat(129), 'ünïcode', 'a/b']) {
      const result = await failure(alice.message.append({ conversationId: id, role: 'user', parts: [text('x')] }));
      expect(result).toEqual({
        code: 'BAD_REQUEST',
        message: 'conversationId: must be a uuid or 1 to 128 characters of A-Z, a-z, 0-9, _ and -',
      });
    }
    expect((await alice.conversation.create({ id: 'x'.repeat(128) })).id).toBe('x'.repeat(128));
  });
});

describe('uuids in any case are one id', () => {
  it('append, appendRound and start replay under an upper-case spelling, and every read takes it', async () => {
    const alice = user('alice');
    const conversationId = crypto.randomUUID();
    const upper = conversationId.toUpperCase();
    const messageId = crypto.randomUUID();
    const append = { id: messageId, conversationId, role: 'user' as const, parts: [text('hello')] };
    const stored = await alice.message.append(append);
    const replayed = await alice.message.append({ ...append, id: messageId.toUpperCase(), conversationId: upper });
    expect(replayed).toEqual(stored);
    expect(replayed.id).toBe(messageId);

    const round = {
      conversationId: upper,
      user: { id: crypto.randomUUID().toUpperCase(), parts: [text('q')] },
      assistant: { id: crypto.randomUUID().toUpperCase(), parts: [text('a')] },
    };
    const first = await alice.message.appendRound(round);
    expect(first.user.id).toBe(round.user.id.toLowerCase());
    expect(first.user.conversationId).toBe(conversationId);
    expect(
      await alice.message.appendRound({
        conversationId,
        user: { ...round.user, id: round.user.id.toLowerCase() },
        assistant: round.assistant,
      }),
    ).toEqual(first);

    const streamId = crypto.randomUUID();
    const started = await alice.message.start({ id: streamId.toUpperCase(), conversationId: upper });
    expect(await alice.message.start({ id: streamId, conversationId })).toEqual(started);
    expect(started.id).toBe(streamId);
    await alice.message.appendParts({ id: streamId.toUpperCase(), index: 0, parts: [text('x')] });
    await alice.message.finish({ id: streamId.toUpperCase(), status: 'complete' });

    expect((await alice.message.list({ conversationId: upper })).items).toHaveLength(4);
    expect((await alice.conversation.get({ id: upper })).id).toBe(conversationId);
    expect((await alice.conversation.list()).items.filter((item) => item.id === conversationId)).toHaveLength(1);
    await alice.context.save({ sessionId: upper, action: 'a', contextData: {} });
    expect((await alice.context.get({ sessionId: conversationId, action: 'a' })).sessionId).toBe(conversationId);
  });
});

describe('message metadata', () => {
  it('is absent when there is none, and any JSON value otherwise', async () => {
    const alice = user('alice');
    const conversationId = generateId();
    const none = await alice.message.append({ conversationId, role: 'user', parts: [text('a')] });
    expect('metadata' in none).toBe(false);
    const nulled = await alice.message.append({ conversationId, role: 'user', parts: [text('b')], metadata: null });
    expect('metadata' in nulled).toBe(false);
    for (const metadata of ['a string', 42, [1, 'two', { three: 3 }], true, { nested: { deep: [null] } }]) {
      const stored = await alice.message.append({ conversationId, role: 'assistant', parts: [text('c')], metadata });
      expect(stored.metadata).toEqual(metadata);
      expect((await alice.message.get({ id: stored.id })).metadata).toEqual(metadata);
    }
    const edited = await alice.message.update({ id: none.id, metadata: 'now some' });
    expect(edited.metadata).toBe('now some');
    expect('metadata' in (await alice.message.update({ id: none.id, metadata: null }))).toBe(false);
    // finish merges objects, and replaces anything else
    const stream = await alice.message.start({ conversationId, metadata: { model: 'm1' } });
    const finished = await alice.message.finish({ id: stream.id, status: 'complete', metadata: { tokens: 3 } });
    expect(finished.metadata).toEqual({ model: 'm1', tokens: 3 });
    const scalar = await alice.message.start({ conversationId, metadata: 'draft' });
    const error = await failure(alice.message.finish({ id: scalar.id, status: 'error', errorText: 'boom' }));
    expect(error.code).toBe('BAD_REQUEST');
    expect(error.message).toContain('errorText');
  });
});

describe('continuing a finished assistant message', () => {
  const approvalRequested = {
    type: 'tool-transfer',
    toolCallId: 'call-1',
    state: 'approval-requested',
    input: { amount: 10 },
    approval: { id: 'approval-1' },
  } as const;

  it('reopens it with its parts, takes checkpoints and finishes again; replays change nothing', async () => {
    const alice = user('alice');
    const conversationId = generateId();
    const id = generateId();
    await alice.message.start({ id, conversationId, parts: [{ type: 'step-start' }] });
    await alice.message.appendParts({ id, index: 1, parts: [approvalRequested] });
    const first = await alice.message.finish({ id, status: 'complete' });
    expect(await codeOf(alice.message.appendParts({ id, parts: [text('late')] }))).toBe('CONFLICT');

    const responded = {
      ...approvalRequested,
      state: 'approval-responded',
      approval: { id: 'approval-1', approved: true },
    } as const;
    const reopened = await alice.message.start({ id, conversationId, continue: true });
    expect(reopened).toMatchObject({ id, status: 'streaming', parts: first.parts });
    expect(await alice.message.start({ id, conversationId, continue: true })).toEqual(reopened);
    const output = { ...responded, state: 'output-available', output: { ok: true } } as const;
    await alice.message.appendParts({ id, index: 1, parts: [output, { type: 'step-start' }] });
    await alice.message.appendParts({ id, index: 1, parts: [output, { type: 'step-start' }] });
    await alice.message.appendParts({ id, index: 3, parts: [text('Sent.')] });
    const done = await alice.message.finish({ id, status: 'complete' });
    expect(done.parts).toEqual([{ type: 'step-start' }, output, { type: 'step-start' }, text('Sent.')]);
    expect(await alice.message.finish({ id, status: 'complete' })).toEqual(done);
    expect((await alice.message.list({ conversationId })).items).toHaveLength(1);

    // The parts a client sends with the reopening replace the stored ones, tool calls moving forward only.
    const again = await alice.message.start({ id, conversationId, continue: true, parts: done.parts });
    expect(again.status).toBe('streaming');
    const backwards = await failure(
      alice.message.start({ id, conversationId, continue: true, parts: [{ type: 'step-start' }, approvalRequested] }),
    );
    expect(backwards).toEqual({
      code: 'BAD_REQUEST',
      message: 'parts: tool call call-1 cannot go from output-available back to approval-requested',
    });
  });

  it('starts a message that is not there yet, and refuses what is not an assistant reply of that conversation', async () => {
    const alice = user('alice');
    const conversationId = generateId();
    const fresh = await alice.message.start({ id: generateId(), conversationId, continue: true });
    expect(fresh.status).toBe('streaming');
    const question = await alice.message.append({ id: generateId(), conversationId, role: 'user', parts: [text('q')] });
    expect(await failure(alice.message.start({ id: question.id, conversationId, continue: true }))).toEqual({
      code: 'CONFLICT',
      message: `id: message ${question.id} is a user message; only an assistant message continues`,
    });
    expect(
      (await failure(alice.message.start({ id: fresh.id, conversationId: generateId(), continue: true }))).code,
    ).toBe('CONFLICT');
    expect(await failure(alice.message.start({ conversationId, continue: true }))).toEqual({
      code: 'BAD_REQUEST',
      message: 'id: continue needs the id of the message to continue',
    });
    // Bob's chat of the same name is his own; the message id is taken, as a uuid would be.
    expect(await codeOf(user('bob').message.start({ id: fresh.id, conversationId, continue: true }))).toBe('CONFLICT');
    expect(await codeOf(user('bob').message.get({ id: fresh.id }))).toBe('NOT_FOUND');
  });
});
