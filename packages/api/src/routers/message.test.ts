import { MikroORM } from '@mikro-orm/postgresql';
import { ormOptions } from '@threadstore/shared/server';
import { createTestDatabase, type TestDatabase } from '@threadstore/shared/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { abortStaleStreams } from '../services/messages.ts';
import { callerFor, codeOf, failure, genericPlans, text } from '../testing.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.drop());

const user = (name: string) => callerFor(db.orm, name);

async function allMessages(caller: ReturnType<typeof user>, conversationId: string) {
  const items = [];
  let cursor: string | undefined;
  do {
    const page = await caller.message.list({ conversationId, limit: 100, cursor });
    items.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return items;
}

describe('message.append', () => {
  it("leaves the conversation's version alone: a writer's expectedVersion still holds after messages arrive", async () => {
    const alice = user('alice');
    const conversation = await alice.conversation.create({ title: 'versioned' });
    await alice.message.append({ conversationId: conversation.id, role: 'user', parts: [text('one')] });
    await alice.message.appendRound({
      conversationId: conversation.id,
      user: { role: 'user', parts: [text('two')] },
      assistant: { role: 'assistant', parts: [text('three')] },
    });
    const after = await alice.conversation.get({ id: conversation.id });
    expect(after).toMatchObject({ version: conversation.version, messageCount: 3 });
    const renamed = await alice.conversation.update({
      id: conversation.id,
      title: 'renamed',
      expectedVersion: conversation.version,
    });
    expect(renamed.version).toBe(conversation.version + 1);
  });

  it('auto-creates the conversation, titles it from the first user message, and derives content', async () => {
    const alice = user('alice');
    const conversationId = crypto.randomUUID();
    const message = await alice.message.append({
      conversationId,
      role: 'user',
      parts: [
        text(
          '\n  做小红书账号的目的：我希望在小红书展示自己对汽车知识的理解，通过输出技术流内容建立起信任，最终成功找到愿意购车的客户  \nsecond line',
        ),
        text('more'),
      ],
    });
    expect(message).toMatchObject({ conversationId, role: 'user', status: 'complete' });
    expect(message.content).toContain('second line\nmore');
    const conversation = await alice.conversation.get({ id: conversationId });
    expect(conversation.userId).toBe('alice');
    expect(conversation.messageCount).toBe(1);
    expect(conversation.lastMessageAt).not.toBeNull();
    expect(Array.from(conversation.title ?? '').length).toBeLessThanOrEqual(80);
    expect(conversation.title?.startsWith('做小红书账号的目的')).toBe(true);

    await alice.message.append({ conversationId, role: 'user', parts: [text('a later question')] });
    expect((await alice.conversation.get({ id: conversationId })).title).toBe(conversation.title);
  });

  it('keeps a title the conversation already has, and leaves content as given', async () => {
    const alice = user('alice');
    const { id } = await alice.conversation.create({ title: 'Named' });
    const message = await alice.message.append({
      conversationId: id,
      role: 'user',
      parts: [text('hello')],
      content: 'custom',
    });
    expect(message.content).toBe('custom');
    expect((await alice.conversation.get({ id })).title).toBe('Named');
  });

  it('replays the same id and payload as the stored row, and refuses the same id with another payload', async () => {
    const alice = user('alice');
    const conversationId = crypto.randomUUID();
    const id = crypto.randomUUID();
    const input = { id, conversationId, role: 'user' as const, parts: [text('once')], metadata: { a: 1, b: 2 } };
    const first = await alice.message.append(input);
    const again = await alice.message.append({ ...input, metadata: { b: 2, a: 1 } });
    expect(again).toEqual(first);
    expect(await codeOf(alice.message.append({ ...input, parts: [text('twice')] }))).toBe('CONFLICT');
    expect(await codeOf(alice.message.append({ ...input, conversationId: crypto.randomUUID() }))).toBe('CONFLICT');
    expect((await alice.conversation.get({ id: conversationId })).messageCount).toBe(1);
  });

  it('stores one row when the same write is replayed concurrently', async () => {
    const alice = user('alice');
    const conversationId = crypto.randomUUID();
    const input = { id: crypto.randomUUID(), conversationId, role: 'user' as const, parts: [text('concurrent')] };
    const results = await Promise.all(Array.from({ length: 10 }, () => user('alice').message.append(input)));
    expect(new Set(results.map((result) => JSON.stringify(result))).size).toBe(1);
    expect(await allMessages(alice, conversationId)).toHaveLength(1);
  });

  it('stores one row when the same write is replayed concurrently into a conversation that exists', async () => {
    const alice = user('alice');
    const { id: conversationId } = await alice.conversation.create({ title: 'busy' });
    const input = { id: `msg_${crypto.randomUUID()}`, conversationId, role: 'user' as const, parts: [text('again')] };
    const results = await Promise.all(Array.from({ length: 10 }, () => user('alice').message.append(input)));
    expect(new Set(results.map((result) => JSON.stringify(result))).size).toBe(1);
    expect(await allMessages(alice, conversationId)).toHaveLength(1);
    expect((await alice.conversation.get({ id: conversationId })).messageCount).toBe(1);
  });

  it('names the field that is wrong', async () => {
    const alice = user('alice');
    const { code, message } = await failure(
      alice.message.append({
        conversationId: 'no spaces allowed',
        role: 'robot' as 'user',
        parts: [{ type: 'file', mediaType: '', url: 'x' }],
      }),
    );
    expect(code).toBe('BAD_REQUEST');
    for (const field of ['conversationId', 'role', 'parts.0.mediaType']) expect(message).toContain(`${field}:`);
  });

  it('keeps parts of unknown types as they are, and checks tool parts', async () => {
    const alice = user('alice');
    const conversationId = crypto.randomUUID();
    const future = { type: 'future-part', payload: { x: [1, 2] }, extra: 'kept' };
    const stored = await alice.message.append({
      conversationId,
      role: 'assistant',
      parts: [future as never, text('ok')],
    });
    expect(stored.parts[0]).toEqual(future);
    expect(
      await codeOf(
        alice.message.append({
          conversationId,
          role: 'assistant',
          parts: [{ type: 'tool-result', toolCallId: 'never-started', output: 'x' }],
        }),
      ),
    ).toBe('BAD_REQUEST');
    const seedStyle = await alice.message.append({
      conversationId,
      role: 'assistant',
      parts: [
        text('让我查询一下天气...'),
        {
          type: 'tool-get_current_weather',
          toolCallId: 'call_abc123',
          toolName: 'get_current_weather',
          state: 'input-available',
          input: { location: 'Tokyo' },
        },
        { type: 'tool-result', toolCallId: 'call_abc123', output: '{"temperature": 20, "condition": "sunny"}' },
        text('东京当前温度是20度，天气晴朗。'),
      ],
    });
    expect(seedStyle.content).toBe('让我查询一下天气...\n东京当前温度是20度，天气晴朗。');
  });
});

describe('message.appendRound', () => {
  it('stores the user message and the reply together, in order, and a retry stores nothing twice', async () => {
    const alice = user('alice');
    const conversationId = crypto.randomUUID();
    const round = {
      conversationId,
      user: { id: crypto.randomUUID(), parts: [text('ok')] },
      assistant: {
        id: crypto.randomUUID(),
        parts: [text('<nova3_tools id="1753081507585" name="nova3_concierge"></nova3_tools>')],
      },
    };
    const first = await alice.message.appendRound(round);
    expect(first.user.role).toBe('user');
    expect(first.assistant.role).toBe('assistant');
    expect(await alice.message.appendRound(round)).toEqual(first);
    const stored = await allMessages(alice, conversationId);
    expect(stored.map((message) => message.id)).toEqual([round.user.id, round.assistant.id]);
    expect((await alice.conversation.get({ id: conversationId })).messageCount).toBe(2);
  });

  it('stores one round when the same round is replayed concurrently into a conversation that exists', async () => {
    const alice = user('alice');
    const { id: conversationId } = await alice.conversation.create({});
    await alice.message.append({ conversationId, role: 'system', parts: [text('be brief')] });
    const round = {
      conversationId,
      user: { id: `msg_${crypto.randomUUID()}`, parts: [text('名字从这里来')] },
      assistant: { id: crypto.randomUUID(), parts: [text('reply')] },
    };
    const results = await Promise.all(Array.from({ length: 10 }, () => user('alice').message.appendRound(round)));
    expect(new Set(results.map((result) => JSON.stringify(result))).size).toBe(1);
    const stored = await allMessages(alice, conversationId);
    expect(stored.map((message) => message.id)).toEqual([stored[0]?.id, round.user.id, round.assistant.id]);
    const conversation = await alice.conversation.get({ id: conversationId });
    expect(conversation.messageCount).toBe(3);
    // The first user message titles an untitled conversation, on this path as on the one that creates it.
    expect(conversation.title).toBe('名字从这里来');
  });

  it('refuses a round that repeats one id within itself, storing neither', async () => {
    const alice = user('alice');
    const { id: conversationId } = await alice.conversation.create({ title: 'twins' });
    const id = crypto.randomUUID();
    const code = await codeOf(
      alice.message.appendRound({
        conversationId,
        user: { id, parts: [text('a')] },
        assistant: { id, parts: [text('b')] },
      }),
    );
    expect(code).toBe('BAD_REQUEST');
    expect(await allMessages(alice, conversationId)).toHaveLength(0);
  });

  it('leaves nothing behind when the round fails halfway', async () => {
    const alice = user('alice');
    const conversationId = crypto.randomUUID();
    // PostgreSQL refuses NUL in jsonb: the database rejects the reply after the conversation row was written.
    const code = await codeOf(
      alice.message.appendRound({
        conversationId,
        user: { parts: [text('question')] },
        assistant: { parts: [text('bad \u0000 byte')] },
      }),
    );
    expect(code).toBe('BAD_REQUEST');
    expect(await codeOf(alice.conversation.get({ id: conversationId }))).toBe('NOT_FOUND');
    const [count] = await db.orm.em
      .fork()
      .execute<{ n: string }[]>('select count(*) as n from messages where conversation_uuid = ?', [conversationId]);
    expect(Number(count?.n)).toBe(0);
  });

  it('refuses a round whose user message id is reused with another payload, storing neither', async () => {
    const alice = user('alice');
    const conversationId = crypto.randomUUID();
    const taken = await alice.message.append({ conversationId, role: 'user', parts: [text('first')] });
    const code = await codeOf(
      alice.message.appendRound({
        conversationId,
        user: { id: taken.id, parts: [text('different')] },
        assistant: { parts: [text('reply')] },
      }),
    );
    expect(code).toBe('CONFLICT');
    expect(await allMessages(alice, conversationId)).toHaveLength(1);
  });
});

describe('ordering and paging', () => {
  it('keeps 100 concurrent appends to one conversation: none lost, one strict order', async () => {
    const alice = user('alice');
    const conversationId = crypto.randomUUID();
    await alice.conversation.create({ id: conversationId, title: 'busy' });
    const written = await Promise.all(
      Array.from({ length: 100 }, (_, index) =>
        user('alice').message.append({
          conversationId,
          role: index % 2 === 0 ? 'user' : 'assistant',
          parts: [text(`m${index}`)],
        }),
      ),
    );
    const stored = await allMessages(alice, conversationId);
    expect(stored).toHaveLength(100);
    expect(new Set(stored.map((message) => message.id))).toEqual(new Set(written.map((message) => message.id)));
    const createdAt = stored.map((message) => Date.parse(message.createdAt));
    expect(createdAt).toEqual([...createdAt].sort((a, b) => a - b));
    const conversation = await alice.conversation.get({ id: conversationId });
    expect(conversation.messageCount).toBe(100);

    const backwards = [];
    let cursor: string | undefined;
    do {
      const page = await alice.message.list({ conversationId, limit: 7, cursor, direction: 'older' });
      backwards.unshift(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(backwards.map((message) => message.id)).toEqual(stored.map((message) => message.id));
  });

  it('covers every message exactly once while writers append during paging', async () => {
    const alice = user('alice');
    const conversationId = crypto.randomUUID();
    for (let index = 0; index < 20; index += 1) {
      await alice.message.append({ conversationId, role: 'user', parts: [text(`before ${index}`)] });
    }
    let writing = true;
    const writer = (async () => {
      let index = 0;
      while (writing && index < 200) {
        await user('alice').message.append({ conversationId, role: 'assistant', parts: [text(`during ${index}`)] });
        index += 1;
      }
    })();
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await alice.message.list({ conversationId, limit: 3, cursor });
      seen.push(...page.items.map((message) => message.id));
      cursor = page.nextCursor ?? undefined;
      pages += 1;
    } while (cursor && pages < 30);
    writing = false;
    await writer;
    // Catch up with what was appended after the walk stopped: the cursor still continues exactly where it was.
    const tail = await allMessagesFrom(alice, conversationId, seen);
    const everything = await allMessages(alice, conversationId);
    expect(new Set(seen).size).toBe(seen.length);
    expect([...seen, ...tail]).toEqual(everything.map((message) => message.id));
  });

  it('pages hold every message exactly as its write returned it, in both directions and by client ids', async () => {
    const alice = user('alice');
    const conversationId = `chat-${crypto.randomUUID()}`;
    const awkward = 'quotes " \\ back\\slash, tab\t, newline\n, \u0001, 汉字 and 🦜, \u2028';
    const stored = [
      await alice.message.append({ conversationId, id: 'msg-plain', role: 'user', parts: [text('你好')] }),
      await alice.message.append({
        conversationId,
        role: 'assistant',
        parts: [
          { type: 'step-start' },
          text(awkward),
          {
            type: 'tool-lookup',
            toolCallId: 'call_1',
            state: 'output-available',
            input: { n: [0.1, 1e21, -0, 2 ** 60, null], nested: { empty: {}, list: [] } },
            output: { ok: true, value: null },
          },
        ],
        attachments: [{ name: 'a.txt', size: 12 }],
        metadata: { model: 'gpt', tokens: 42, note: null },
      }),
      ...Object.values(
        await alice.message.appendRound({
          conversationId,
          user: { id: crypto.randomUUID(), parts: [text(awkward)], metadata: {} },
          assistant: { parts: [text('reply')] },
        }),
      ),
    ];
    const older = await alice.message.list({ conversationId, direction: 'older', limit: 10 });
    const newer = await alice.message.list({ conversationId, direction: 'newer', limit: 10 });
    expect(older).toEqual({ items: stored, nextCursor: null });
    expect(newer).toEqual({ items: stored, nextCursor: null });
    expect(stored[1]?.metadata).toEqual({ model: 'gpt', tokens: 42, note: null });
    expect(stored[0]).not.toHaveProperty('metadata');
    for (const message of stored) expect(await alice.message.get({ id: message.id })).toEqual(message);

    // Times whose fraction PostgreSQL's JSON shortens (trailing zeros) or leaves out, as an import may store them.
    await db.orm.em.fork().execute(
      `update messages set created_at = '2025-01-02T03:04:05.12Z', updated_at = '2025-01-02T03:04:06Z'
        where client_id = 'msg-plain'`,
    );
    const [plain] = (await alice.message.list({ conversationId, direction: 'newer', limit: 1 })).items;
    expect(plain).toMatchObject({ createdAt: '2025-01-02T03:04:05.120Z', updatedAt: '2025-01-02T03:04:06.000Z' });
    expect(plain).toEqual(await alice.message.get({ id: 'msg-plain' }));
  });

  it('reads a page as one range of the conversation-position index, also in the generic plan', async () => {
    // One connection, so the statements the pages prepared are the ones explained.
    const single = await MikroORM.init({ ...ormOptions({ clientUrl: db.url, poolMax: 1 }) });
    try {
      const cat = callerFor(single, 'cat');
      const conversationIds = [crypto.randomUUID(), `chat-${crypto.randomUUID()}`];
      for (const conversationId of conversationIds) {
        await cat.message.append({ conversationId, role: 'user', parts: [text('first')] });
      }
      await single.em.fork().execute(
        `insert into messages (uuid, conversation_uuid, role, content, parts, seq, created_at, updated_at, status)
         select gen_random_uuid(), c.uuid, 'user', 'm' || g, '[]'::jsonb, 1 + g, now(), now(), 'complete'
           from conversations c, generate_series(1, 5000) g where c.user_id = 'cat'`,
      );
      // And a sidebar of many conversations, so finding one by the user's rows would cost more than by its id.
      await single.em.fork().execute(
        `insert into conversations (uuid, user_id, title) select gen_random_uuid(), 'cat', 'c' || g
           from generate_series(1, 5000) g`,
      );
      await single.em.fork().execute('analyze messages, conversations');
      for (const conversationId of conversationIds) {
        for (const direction of ['older', 'newer'] as const) {
          const first = await cat.message.list({ conversationId, direction, limit: 50 });
          await cat.message.list({ conversationId, direction, limit: 50, cursor: first.nextCursor ?? undefined });
        }
      }
      const plans = await genericPlans(single, 'as bytes_before');
      expect(plans).toHaveLength(8);
      for (const plan of plans) {
        expect(plan).not.toMatch(/Seq Scan|Sort/);
        expect(plan).toMatch(
          /Index Scan using (idx_conversations_uuid|uq_conversations_user_client_id) on conversations/,
        );
        expect(plan).toMatch(/Index Scan (Backward )?using uq_messages_conversation_seq on messages/);
      }
    } finally {
      await single.close(true);
    }
  });

  it('returns the messages of the last hours, in order', async () => {
    const alice = user('alice');
    const conversationId = crypto.randomUUID();
    await alice.message.appendRound({
      conversationId,
      user: { parts: [text('now')] },
      assistant: { parts: [text('reply')] },
    });
    const [old] = await db.orm.em
      .fork()
      .execute<{ uuid: string }[]>(
        `insert into messages (conversation_uuid, role, parts, seq, created_at) values (?, 'user', '[]', 0, now() - interval '30 hours') returning uuid`,
        [conversationId],
      );
    const recent = await alice.message.recent({ conversationId, hours: 24 });
    expect(recent.map((message) => message.content)).toEqual(['now', 'reply']);
    const day2 = await alice.message.recent({ conversationId, hours: 48 });
    expect(day2[0]?.id).toBe(old?.uuid);
  });
});

async function allMessagesFrom(caller: ReturnType<typeof user>, conversationId: string, seen: string[]) {
  const everything = await allMessages(caller, conversationId);
  const last = seen.at(-1);
  return everything.slice(everything.findIndex((message) => message.id === last) + 1).map((message) => message.id);
}

describe('message.get, update, delete', () => {
  it('reads, edits and deletes one message, and keeps others out', async () => {
    const alice = user('alice');
    const conversationId = crypto.randomUUID();
    const message = await alice.message.append({
      conversationId,
      role: 'assistant',
      parts: [{ type: 'tool-search', toolCallId: 't1', state: 'input-available', input: { q: 'x' } }],
    });
    expect(await alice.message.get({ id: message.id })).toEqual(message);
    expect(await codeOf(user('mallory').message.get({ id: message.id }))).toBe('NOT_FOUND');
    expect(await codeOf(user('mallory').message.update({ id: message.id, metadata: { x: 1 } }))).toBe('NOT_FOUND');
    expect(await codeOf(user('mallory').message.delete({ id: message.id }))).toBe('NOT_FOUND');
    expect(await codeOf(user('mallory').message.list({ conversationId }))).toBe('NOT_FOUND');
    const { id: empty } = await alice.conversation.create({ id: 'chat_empty' });
    expect(await alice.message.list({ conversationId: empty })).toEqual({ items: [], nextCursor: null });
    expect(await codeOf(user('mallory').message.list({ conversationId: empty }))).toBe('NOT_FOUND');

    const edited = await alice.message.update({
      id: message.id,
      parts: [
        { type: 'tool-search', toolCallId: 't1', state: 'output-available', input: { q: 'x' }, output: ['hit'] },
        text('found it'),
      ],
      metadata: { edited: true },
    });
    expect(edited).toMatchObject({ content: 'found it', metadata: { edited: true } });
    expect(
      await codeOf(
        alice.message.update({
          id: message.id,
          parts: [{ type: 'tool-search', toolCallId: 't1', state: 'input-streaming' }],
        }),
      ),
    ).toBe('BAD_REQUEST');
    expect(await codeOf(alice.message.update({ id: message.id, parts: [text('dropped the call')] }))).toBe(
      'BAD_REQUEST',
    );

    expect(await alice.message.delete({ id: message.id })).toEqual({ id: message.id, deleted: true });
    expect(await codeOf(alice.message.get({ id: message.id }))).toBe('NOT_FOUND');
    expect((await alice.conversation.get({ id: conversationId })).messageCount).toBe(0);
  });
});

describe('streaming', () => {
  it('start → appendParts checkpoints → finish, with tool parts moving forward and retries landing once', async () => {
    const alice = user('alice');
    const conversationId = crypto.randomUUID();
    const started = await alice.message.start({ conversationId });
    expect(started).toMatchObject({ status: 'streaming', role: 'assistant', parts: [] });

    await alice.message.appendParts({ id: started.id, parts: [text('Let me check')] });
    const call = {
      type: 'tool-nova3_profile',
      toolCallId: '1753081576879',
      state: 'input-available' as const,
      input: {},
    };
    await alice.message.appendParts({ id: started.id, index: 0, parts: [text('Let me check the profile'), call] });
    // The same checkpoint again (a retry) changes nothing.
    const retried = await alice.message.appendParts({
      id: started.id,
      index: 0,
      parts: [text('Let me check the profile'), call],
    });
    expect(retried.parts).toHaveLength(2);
    const withOutput = await alice.message.appendParts({
      id: started.id,
      index: 1,
      parts: [
        {
          ...call,
          state: 'output-available',
          output: { data: [{ type: 'profile', content: '一线城市25-32岁的职业女性' }] },
        },
      ],
    });
    expect(withOutput.parts[1]).toMatchObject({ state: 'output-available' });
    expect(
      await codeOf(
        alice.message.appendParts({ id: started.id, index: 1, parts: [{ ...call, state: 'input-streaming' }] }),
      ),
    ).toBe('BAD_REQUEST');
    expect(await codeOf(alice.message.appendParts({ id: started.id, index: 5, parts: [text('gap')] }))).toBe(
      'BAD_REQUEST',
    );

    const finished = await alice.message.finish({ id: started.id, status: 'complete' });
    expect(finished).toMatchObject({ status: 'complete', content: 'Let me check the profile' });
    expect(await alice.message.finish({ id: started.id, status: 'complete' })).toEqual(finished);
    expect(await codeOf(alice.message.finish({ id: started.id, status: 'error' }))).toBe('CONFLICT');
    expect(await codeOf(alice.message.appendParts({ id: started.id, parts: [text('late')] }))).toBe('CONFLICT');
  });

  it('keeps the checkpoints of a stream that stops halfway, and marks it', async () => {
    const alice = user('alice');
    const conversationId = crypto.randomUUID();
    const aborted = await alice.message.start({ conversationId, parts: [text('partial answer')] });
    const stopped = await alice.message.finish({ id: aborted.id, status: 'aborted', errorText: 'client went away' });
    expect(stopped).toMatchObject({
      status: 'aborted',
      parts: [text('partial answer')],
      metadata: { errorText: 'client went away' },
    });

    const silent = await alice.message.start({ conversationId, parts: [text('never finished')] });
    await db.orm.em
      .fork()
      .execute(`update messages set updated_at = now() - interval '1 hour' where uuid = ?`, [silent.id]);
    expect(await abortStaleStreams(db.orm.em.fork(), 600)).toBe(1);
    expect(await alice.message.get({ id: silent.id })).toMatchObject({
      status: 'aborted',
      parts: [text('never finished')],
    });
  });
});

describe('keyset paging (property)', () => {
  it('walks every message exactly once, in order, for any page size and direction', async () => {
    const alice = user('alice');
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 1, max: 12 }),
        fc.constantFrom('newer' as const, 'older' as const),
        async (count, limit, direction) => {
          const conversationId = crypto.randomUUID();
          await alice.conversation.create({ id: conversationId });
          const ids: string[] = [];
          for (let start = 0; start < count; start += 20) {
            const batch = Array.from({ length: Math.min(20, count - start) }, (_, index) => text(`m${start + index}`));
            for (const part of batch)
              ids.push((await alice.message.append({ conversationId, role: 'user', parts: [part] })).id);
          }
          const walked: string[] = [];
          let cursor: string | undefined;
          do {
            const page = await alice.message.list({ conversationId, limit, cursor, direction });
            expect(page.items.length).toBeLessThanOrEqual(limit);
            if (direction === 'newer') walked.push(...page.items.map((message) => message.id));
            else walked.unshift(...page.items.map((message) => message.id));
            cursor = page.nextCursor ?? undefined;
          } while (cursor);
          expect(walked).toEqual(ids);
        },
      ),
      { numRuns: 25 },
    );
  });
});
