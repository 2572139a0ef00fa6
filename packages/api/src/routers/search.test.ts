import { messageSearchDocument, titleSearchDocument } from '@threadstore/shared';
import { createTestDatabase, type TestDatabase } from '@threadstore/shared/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendMessages } from '../services/messages.ts';
import { RANK_WINDOW } from '../services/search.ts';
import { callerFor, codeOf, failure, text } from '../testing.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.drop());

const user = (name: string) => callerFor(db.orm, name);
type Caller = ReturnType<typeof user>;

async function searchAll(caller: Caller, input: Parameters<Caller['search']['messages']>[0]) {
  const hits = [];
  let cursor: string | undefined;
  do {
    const page = await caller.search.messages({ ...input, cursor });
    hits.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return hits;
}

const idsOf = async (caller: Caller, q: string, extra: Record<string, unknown> = {}) =>
  (await searchAll(caller, { q, limit: 100, ...extra })).map((hit) => hit.message.id).sort();

const toolCall = (name: string, input: unknown, output: unknown) => ({
  type: `tool-${name}` as const,
  toolCallId: crypto.randomUUID(),
  state: 'output-available' as const,
  input,
  output,
});

/** Every text search covers, in SQL: content and parts (which hold the tool inputs and outputs), never the title. */
async function ilikeIds(userId: string, q: string): Promise<string[]> {
  const rows = await db.orm.em.fork().execute<{ id: string }[]>(
    `select m.uuid as id from messages m join conversations c on c.uuid = m.conversation_uuid
      where c.user_id = ? and c.deleted_at is null
        and (m.content ilike ? or m.parts::text ilike ?)`,
    [userId, `%${q}%`, `%${q}%`],
  );
  return rows.map((row) => row.id).sort();
}

describe('search.messages over a mixed-language history', () => {
  const fixture = {
    cars: [
      '我想了解汽车知识，尤其是二手车的价格',
      '汽车保养多久一次？',
      '新能源车的续航怎么样',
      '买车之前要看哪些参数',
    ],
    japan: ['東京に行く予定です。コーヒーが好き', 'データベースの移行について教えてください'],
    korea: ['안녕하세요, 자동차 가격이 궁금해요', '데이터베이스 마이그레이션'],
    english: [
      'The database migration is running now',
      'Migrating databases needs a plan; the runner migrated three tables',
      'A car in the garage',
    ],
  };
  let carsId: string;
  let toolMessageId: string;

  beforeAll(async () => {
    const alice = user('alice');
    carsId = (await alice.conversation.create({ title: '汽车咨询' })).id;
    for (const line of fixture.cars)
      await alice.message.append({ conversationId: carsId, role: 'user', parts: [text(line)] });
    const tool = await alice.message.append({
      conversationId: carsId,
      role: 'assistant',
      parts: [
        text('查到了价格'),
        toolCall(
          'search_cars',
          { query: '二手车 价格', city: '上海' },
          { results: [{ model: '特斯拉', price: 230000 }] },
        ),
      ],
    });
    toolMessageId = tool.id;
    const japan = (await alice.conversation.create({ title: '旅行' })).id;
    for (const line of fixture.japan)
      await alice.message.append({ conversationId: japan, role: 'user', parts: [text(line)] });
    const korea = (await alice.conversation.create({ title: '한국어' })).id;
    for (const line of fixture.korea)
      await alice.message.append({ conversationId: korea, role: 'user', parts: [text(line)] });
    const english = (await alice.conversation.create({ title: 'Ops notes' })).id;
    for (const line of fixture.english)
      await alice.message.append({ conversationId: english, role: 'assistant', parts: [text(line)] });

    // Bob says the same things: none of it may ever reach Alice.
    const bob = user('bob');
    const bobs = (await bob.conversation.create({ title: '汽车咨询' })).id;
    for (const line of [...fixture.cars, ...fixture.english]) {
      await bob.message.append({ conversationId: bobs, role: 'user', parts: [text(line)] });
    }
  });

  it('finds exactly what ILIKE finds for every 1- and 2-character CJK substring of the fixture', async () => {
    const texts = [...fixture.cars, ...fixture.japan, ...fixture.korea, '查到了价格', '二手车 价格', '上海', '特斯拉'];
    const queries = new Set<string>();
    for (const line of texts) {
      for (const run of line.match(/[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}ー]+/gu) ??
        []) {
        const characters = Array.from(run);
        characters.forEach((character, index) => {
          queries.add(character);
          if (index + 1 < characters.length) queries.add(character + characters[index + 1]);
        });
      }
    }
    expect(queries.size).toBeGreaterThan(150);
    const alice = user('alice');
    for (const q of queries) {
      const expected = await ilikeIds('alice', q);
      expect(expected.length, q).toBeGreaterThan(0);
      expect(await idsOf(alice, q), q).toEqual(expected);
    }
  });

  it('finds longer CJK substrings as phrases, and not the characters merely near each other', async () => {
    const alice = user('alice');
    for (const q of ['汽车知识', '二手车的价格', '東京に行く', '데이터베이스', '新能源车的续航']) {
      expect(await idsOf(alice, q), q).toEqual(await ilikeIds('alice', q));
    }
    const korean = await ilikeIds('alice', '가격');
    expect(await idsOf(alice, '자동차 가격')).toEqual(
      (await ilikeIds('alice', '자동차')).filter((id) => korean.includes(id)),
    );
    expect(await idsOf(alice, '车知识价')).toEqual([]);
    expect(await idsOf(alice, '汽车价格')).toEqual([]);
  });

  it('matches English word forms, phrases and exclusions, and mixed-language queries', async () => {
    const alice = user('alice');
    const byText = async (q: string) =>
      (await searchAll(alice, { q, limit: 100 })).map((hit) => hit.message.content).sort();
    expect(await byText('migrations')).toEqual([
      'Migrating databases needs a plan; the runner migrated three tables',
      'The database migration is running now',
    ]);
    expect(await byText('DATABASE run')).toEqual(['The database migration is running now']);
    expect(await byText('"database migration"')).toEqual(['The database migration is running now']);
    expect(await byText('migration -running')).toEqual([
      'Migrating databases needs a plan; the runner migrated three tables',
    ]);
    expect(await byText('"car in the garage"')).toEqual(['A car in the garage']);
    expect(await byText('"garage car"')).toEqual([]);
    expect(await byText('价格 特斯拉')).toEqual(['查到了价格']);
    expect(await byText('二手车 -保养')).toEqual(['我想了解汽车知识，尤其是二手车的价格', '查到了价格']);
  });

  it('searches tool names, inputs and outputs, and filters by tool, role, conversation and time', async () => {
    const alice = user('alice');
    expect(await idsOf(alice, '上海')).toEqual([toolMessageId]);
    expect(await idsOf(alice, '230000')).toEqual([toolMessageId]);
    expect(await idsOf(alice, 'search cars')).toEqual([toolMessageId]);
    expect(await idsOf(alice, '价格', { tool: 'search_cars' })).toEqual([toolMessageId]);
    expect(await idsOf(alice, '价格', { tool: 'other_tool' })).toEqual([]);
    expect(await idsOf(alice, '价格', { role: 'assistant' })).toEqual([toolMessageId]);
    expect((await idsOf(alice, '价格', { role: 'user' })).length).toBe(1);
    expect((await idsOf(alice, '汽车', { conversationId: carsId })).length).toBe(2);
    const [hit] = await searchAll(alice, { q: '上海' });
    expect(hit?.matchedIn).toBe('tool');
    const created = hit?.message.createdAt as string;
    expect(await idsOf(alice, '上海', { from: created })).toEqual([toolMessageId]);
    expect(await idsOf(alice, '上海', { to: created })).toEqual([]);
  });

  it('carries the message, its conversation, and a snippet whose highlights are the matches', async () => {
    const [hit] = await searchAll(user('alice'), { q: '二手车的价格' });
    expect(hit?.conversation).toEqual({ id: carsId, title: '汽车咨询' });
    expect(hit?.message.content).toBe(fixture.cars[0]);
    expect(hit?.matchedIn).toBe('text');
    expect(hit?.highlights.map(({ start, end }) => hit.snippet.slice(start, end))).toEqual(['二手车的价格']);

    const alice = user('alice');
    const conversationId = crypto.randomUUID();
    const long = `${'前言。'.repeat(100)}这里提到了量子计算和 quantum computing。${'后记。'.repeat(100)}`;
    await alice.message.append({ conversationId, role: 'user', parts: [text(long)] });
    const [cut] = await searchAll(alice, { q: '量子计算 quantum' });
    expect(cut?.snippet.startsWith('…')).toBe(true);
    expect(cut?.snippet.endsWith('…')).toBe(true);
    expect(cut?.snippet.length).toBeLessThan(200);
    expect(cut?.highlights.map(({ start, end }) => cut.snippet.slice(start, end))).toEqual(['量子计算', 'quantum']);
  });

  it("never shows another user's messages, nor the trash", async () => {
    const bob = user('bob');
    const bobIds = await idsOf(bob, '汽车');
    expect(bobIds.length).toBeGreaterThan(0);
    const aliceIds = await idsOf(user('alice'), '汽车');
    expect(aliceIds.filter((id) => bobIds.includes(id))).toEqual([]);
    expect(await idsOf(bob, '汽车', { conversationId: carsId })).toEqual([]);
    expect(await idsOf(user('mallory'), '汽车')).toEqual([]);

    const alice = user('alice');
    await alice.conversation.delete({ id: carsId });
    expect(await idsOf(alice, '二手车')).toEqual([]);
    await alice.conversation.restore({ id: carsId });
    expect((await idsOf(alice, '二手车')).length).toBe(2);
  });
});

describe('search documents follow every write', () => {
  it('append, streaming checkpoints, finish, update, delete', async () => {
    const alice = user('carol');
    const { id: conversationId } = await alice.conversation.create({ title: 'Fruit' });
    const appended = await alice.message.append({ conversationId, role: 'user', parts: [text('第一条消息 kiwi')] });
    expect(await idsOf(alice, 'kiwi')).toEqual([appended.id]);

    const stream = await alice.message.start({ conversationId });
    await alice.message.appendParts({ id: stream.id, parts: [text('正在生成 mango')] });
    expect(await idsOf(alice, '生成 mango')).toEqual([stream.id]);
    await alice.message.appendParts({
      id: stream.id,
      parts: [{ type: 'tool-lookup', toolCallId: 'c1', state: 'input-available', input: { fruit: 'papaya' } }],
    });
    expect(await idsOf(alice, 'papaya', { tool: 'lookup' })).toEqual([stream.id]);
    await alice.message.finish({
      id: stream.id,
      status: 'complete',
      parts: [
        text('最终答案 durian'),
        { type: 'tool-lookup', toolCallId: 'c1', state: 'output-available', input: { fruit: 'papaya' }, output: 'ok' },
      ],
    });
    expect(await idsOf(alice, 'mango')).toEqual([]);
    expect(await idsOf(alice, '最终答案')).toEqual([stream.id]);

    await alice.message.update({ id: appended.id, parts: [text('改过的 lychee')] });
    expect(await idsOf(alice, 'kiwi')).toEqual([]);
    expect(await idsOf(alice, 'lychee')).toEqual([appended.id]);
    await alice.message.update({ id: appended.id, content: 'only the content changed: guava' });
    expect(await idsOf(alice, 'guava')).toEqual([appended.id]);
    expect(await idsOf(alice, 'lychee')).toEqual([appended.id]);

    await alice.message.delete({ id: appended.id });
    expect(await idsOf(alice, 'guava')).toEqual([]);
  });

  it('titles: searched as conversations, never as their messages; a rename rewrites no message', async () => {
    const alice = user('dave');
    const conversationId = crypto.randomUUID();
    const system = await alice.message.append({ conversationId, role: 'system', parts: [text('You are helpful')] });
    const first = await alice.message.append({ conversationId, role: 'user', parts: [text('洗衣机坏了怎么办')] });
    const second = await alice.message.append({ conversationId, role: 'user', parts: [text('电冰箱也坏了')] });
    expect((await alice.conversation.get({ id: conversationId })).title).toBe('洗衣机坏了怎么办');
    expect(await idsOf(alice, '洗衣机')).toEqual([first.id]);
    expect(await idsOf(alice, '坏了')).toEqual([first.id, second.id].sort());
    // A word of the title excluded hides the messages that say it, not the whole conversation.
    expect(await idsOf(alice, '坏了 -洗衣机')).toEqual([second.id]);

    const rows = () =>
      db.orm.em
        .fork()
        .execute<{ id: string; xmin: string; search: string }[]>(
          `select uuid as id, xmin::text as xmin, search::text as search from messages where conversation_uuid = ? order by seq`,
          [conversationId],
        );
    const before = await rows();
    await alice.conversation.update({ id: conversationId, title: 'Appliance repair 家电维修' });
    expect(await rows()).toEqual(before);
    expect(await idsOf(alice, '家电 appliances')).toEqual([]);
    expect((await alice.conversation.list({ q: '家电 appliances' })).items.map((item) => item.id)).toEqual([
      conversationId,
    ]);
    expect(await idsOf(alice, '维修 冰箱')).toEqual([]);
    expect(await idsOf(alice, '冰箱')).toEqual([second.id]);
    expect(await idsOf(alice, 'helpful')).toEqual([system.id]);
  });

  it('a title matching a query is one conversation, however many messages it has', async () => {
    const alice = user('dora');
    const { id: conversationId } = await alice.conversation.create({ title: '长对话 marathon' });
    await db.orm.em.fork().transactional((tx) =>
      appendMessages(
        tx,
        'dora',
        conversationId,
        Array.from({ length: 300 }, (_, index) => ({
          body: { role: 'user' as const, parts: [text(`第 ${index} 条 filler`)] },
          status: 'complete' as const,
        })),
      ),
    );
    expect(await idsOf(alice, 'marathon')).toEqual([]);
    expect(await idsOf(alice, '长对话')).toEqual([]);
    expect((await idsOf(alice, 'filler -marathon')).length).toBe(300);
    expect((await alice.conversation.list({ q: 'marathon' })).items.map((item) => item.id)).toEqual([conversationId]);
  });

  it('ranks matches in the text above matches in tools, newest first among equals', async () => {
    const alice = user('erin');
    const titled = (await alice.conversation.create({ title: '火锅' })).id;
    await alice.message.append({ conversationId: titled, role: 'user', parts: [text('今天吃什么')] });
    const other = crypto.randomUUID();
    const inTool = await alice.message.append({
      conversationId: other,
      role: 'assistant',
      parts: [toolCall('menu', { dish: '火锅' }, null)],
    });
    const older = await alice.message.append({ conversationId: other, role: 'user', parts: [text('想吃火锅')] });
    const newer = await alice.message.append({ conversationId: other, role: 'user', parts: [text('想吃火锅')] });
    const hits = await searchAll(alice, { q: '火锅' });
    expect(hits.map((hit) => hit.message.id)).toEqual([newer.id, older.id, inTool.id]);
    expect(hits.map((hit) => hit.matchedIn)).toEqual(['text', 'text', 'tool']);
    expect(hits[2]?.highlights.map(({ start, end }) => hits[2]?.snippet.slice(start, end))).toEqual(['火锅']);
  });
});

describe('paging', () => {
  it('walks every match exactly once, across rank windows, in rank order within each window', async () => {
    const alice = user('frank');
    const conversationId = crypto.randomUUID();
    const total = RANK_WINDOW + 137;
    const em = db.orm.em.fork();
    await em.transactional((tx) =>
      appendMessages(
        tx,
        'frank',
        conversationId,
        Array.from({ length: total }, (_, index) => ({
          body: {
            role: 'user' as const,
            parts: [text(index % 3 === 0 ? '苹果 苹果 苹果 apple' : `苹果 ${index} filler words here`)],
          },
          status: 'complete' as const,
        })),
      ),
    );
    for (const limit of [1, 7, 100]) {
      const pages = [];
      let cursor: string | undefined;
      do {
        const page = await alice.search.messages({ q: '苹果', limit, cursor });
        expect(page.items.length === limit || page.nextCursor === null).toBe(true);
        pages.push(...page.items);
        cursor = page.nextCursor ?? undefined;
        if (limit === 7 && pages.length === 14) {
          // A write between pages neither repeats nor skips anything already in the walk.
          await alice.message.append({ conversationId, role: 'user', parts: [text('苹果 late arrival')] });
        }
      } while (cursor);
      const ids = pages.map((hit) => hit.message.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids.length).toBeGreaterThanOrEqual(total);
      const firstWindow = pages.slice(0, RANK_WINDOW);
      for (let index = 1; index < firstWindow.length; index++) {
        const [before, after] = [firstWindow[index - 1], firstWindow[index]];
        expect(
          (before?.score ?? 0) > (after?.score ?? 0) ||
            (before?.score === after?.score && (before?.message.createdAt ?? '') >= (after?.message.createdAt ?? '')),
        ).toBe(true);
      }
    }
  });

  it('ranks windows of the newest matches, whichever way a window is found (walk, walk on, or GIN index)', async () => {
    const alice = user('grace');
    const conversationId = crypto.randomUUID();
    const total = 2600;
    const words = (index: number) =>
      ['filler', index % 11 === 0 ? 'eleventh' : '', index % 40 === 0 ? 'fortieth' : '', index === 5 ? 'solitary' : '']
        .filter(Boolean)
        .join(' ');
    const stored = await db.orm.em.fork().transactional((tx) =>
      appendMessages(
        tx,
        'grace',
        conversationId,
        Array.from({ length: total }, (_, index) => ({
          body: { role: 'assistant' as const, parts: [text(words(index))] },
          status: 'complete' as const,
        })),
      ),
    );
    const sorted = (ids: string[]) => [...ids].sort();
    for (const [q, every] of [
      ['filler', 1],
      ['eleventh', 11],
      ['fortieth', 40],
      ['solitary', total],
    ] as const) {
      const hits = await searchAll(alice, { q, limit: 100 });
      const newestFirst = stored
        .filter((_, index) => (q === 'solitary' ? index === 5 : index % every === 0))
        .map((message) => message.id)
        .reverse();
      expect(hits.length, q).toBe(newestFirst.length);
      for (let start = 0; start < hits.length; start += RANK_WINDOW) {
        const window = hits.slice(start, start + RANK_WINDOW);
        expect(sorted(window.map((hit) => hit.message.id)), q).toEqual(
          sorted(newestFirst.slice(start, start + RANK_WINDOW)),
        );
        window.slice(1).forEach((hit, index) => {
          const before = window[index] as (typeof window)[number];
          expect(
            before.score > hit.score ||
              (before.score === hit.score && before.message.createdAt >= hit.message.createdAt),
          ).toBe(true);
        });
      }
    }
  });

  it('refuses a cursor it did not make', async () => {
    expect(await codeOf(user('frank').search.messages({ q: '苹果', cursor: 'bm90LWEtY3Vyc29y' }))).toBe('BAD_REQUEST');
  });
});

describe('input safety', () => {
  it('treats any text as a query, finds nothing for nothing, and refuses more than 500 characters', async () => {
    const alice = user('alice');
    for (const q of ["'; drop table messages; --", "!( <-> :* & | ')", '\\', 'a:* | b', '😀😀']) {
      expect(await codeOf(alice.search.messages({ q })), q).toBe('OK');
    }
    // No text field takes NUL (PostgreSQL cannot store it): refused before the query, naming the field.
    expect(await failure(alice.search.messages({ q: 'a\u0000b' }))).toEqual({
      code: 'BAD_REQUEST',
      message: 'q: must not contain NUL characters (\\u0000)',
    });
    for (const q of ['', '   ', '!!!', 'the', '-汽车']) {
      expect(await alice.search.messages({ q }), q).toEqual({ items: [], nextCursor: null });
    }
    expect(await codeOf(alice.search.messages({ q: 'x'.repeat(501) }))).toBe('BAD_REQUEST');
    expect(await codeOf(alice.search.messages({ q: '汽车'.repeat(250) }))).toBe('OK');
    const [{ n } = { n: '0' }] = await db.orm.em.fork().execute<{ n: string }[]>('select count(*) as n from messages');
    expect(Number(n)).toBeGreaterThan(0);
  });

  it('stores and searches a message of a million characters', async () => {
    const alice = user('gina');
    const conversationId = crypto.randomUUID();
    const huge = Array.from({ length: 999_000 }, (_, index) =>
      String.fromCharCode(0x4e00 + ((index * 7919) % 20_000)),
    ).join('');
    const message = await alice.message.append({ conversationId, role: 'user', parts: [text(`开头 ${huge}`)] });
    expect(await idsOf(alice, '开头')).toEqual([message.id]);
  });
});

describe('conversation.list q', () => {
  it('filters titles with the same tokenizer', async () => {
    const alice = user('hank');
    const cars = await alice.conversation.create({ title: '二手汽车 Buying guide' });
    const trips = await alice.conversation.create({ title: '東京旅行' });
    await alice.conversation.create({ title: null });
    const titles = async (q?: string) => (await alice.conversation.list({ q })).items.map((item) => item.id).sort();
    expect(await titles('汽')).toEqual([cars.id]);
    expect(await titles('汽车 guides')).toEqual([cars.id]);
    expect(await titles('京旅')).toEqual([trips.id]);
    expect(await titles('车 -buying')).toEqual([]);
    expect((await titles('')).length).toBe(3);
    expect((await titles()).length).toBe(3);
    expect(await titles('!!!')).toEqual([]);
    await alice.conversation.update({ id: trips.id, title: 'Kyoto' });
    expect(await titles('東京')).toEqual([]);
    expect(await user('ivan').conversation.list({ q: '汽车' })).toEqual({ items: [], nextCursor: null });
  });
});

describe('the migration that adds search', () => {
  it('backfills the documents of rows written before it, leaving updated_at alone', async () => {
    const old = await createTestDatabase({ fromTemplate: false });
    try {
      await old.orm.migrator.up({ to: 'Migration20261122160743' });
      const em = old.orm.em.fork();
      const [conversation] = await em.execute<{ uuid: string }[]>(
        `insert into conversations (user_id, title) values ('olga', '旧的对话 Legacy') returning uuid`,
      );
      const parts = [text('历史消息里的汽车'), toolCall('lookup', { q: 'archived' }, { hits: 3 })];
      await em.execute(
        `insert into messages (conversation_uuid, role, content, parts, seq, updated_at)
         values (?, 'user', ?, ?::jsonb, 1, '2020-01-01T00:00:00Z'), (?, 'user', null, '[1, null, {"type": 7}]'::jsonb, 2, now())`,
        [conversation?.uuid, '历史消息里的汽车', JSON.stringify(parts), conversation?.uuid],
      );
      await old.orm.migrator.up();

      const olga = callerFor(old.orm, 'olga');
      const hits = await olga.search.messages({ q: '汽车', tool: 'lookup' });
      expect(hits.items.map((hit) => hit.message.content)).toEqual(['历史消息里的汽车']);
      expect(hits.items[0]?.message.updatedAt).toBe('2020-01-01T00:00:00.000Z');
      expect((await olga.search.messages({ q: 'archived' })).items).toHaveLength(1);
      expect((await olga.search.messages({ q: '旧的' })).items).toHaveLength(0);
      expect((await olga.conversation.list({ q: '对话' })).items).toHaveLength(1);
    } finally {
      await old.drop();
    }
  });

  it('the migration that takes titles out of message documents rewrites them, and its down puts them back', async () => {
    const old = await createTestDatabase({ fromTemplate: false });
    try {
      // The last migration before this one (client ids), so today's procedures can read the rows it finds.
      await old.orm.migrator.up({ to: 'Migration20261201100000' });
      const em = old.orm.em.fork();
      const [conversation] = await em.execute<{ uuid: string }[]>(
        `insert into conversations (user_id, title, search) values ('pia', '旧标题 Heading', ?::tsvector) returning uuid`,
        [titleSearchDocument('旧标题 Heading')],
      );
      // As the earlier code stored them: the message's own document, then the title's.
      const messages = Array.from({ length: 12_000 }, (_, index) => {
        const content = index === 0 ? '正文里的汽车' : `filler ${index}`;
        return { content, seq: index + 1, search: messageSearchDocument({ content, parts: [text(content)] }) };
      });
      await em.execute(
        `insert into messages (conversation_uuid, role, content, parts, seq, updated_at, search)
         select ?, 'user', r.content, jsonb_build_array(jsonb_build_object('type', 'text', 'text', r.content)), r.seq,
                '2020-01-01T00:00:00Z', r.search::tsvector || c.search
           from jsonb_to_recordset(?::jsonb) as r(content text, seq bigint, search text), conversations c
          where c.uuid = ?`,
        [conversation?.uuid, JSON.stringify(messages), conversation?.uuid],
      );
      const pia = callerFor(old.orm, 'pia');
      expect((await pia.search.messages({ q: 'heading', limit: 5 })).items).toHaveLength(5);

      await old.orm.migrator.up({ to: 'Migration20261201200000' });
      expect((await pia.search.messages({ q: 'heading' })).items).toEqual([]);
      expect((await pia.search.messages({ q: '汽车' })).items.map((hit) => hit.message.content)).toEqual([
        '正文里的汽车',
      ]);
      expect((await pia.conversation.list({ q: 'heading' })).items).toHaveLength(1);
      const [kept] = await em.execute<{ n: string }[]>(
        `select count(*) as n from messages where updated_at = '2020-01-01T00:00:00Z'`,
      );
      expect(Number(kept?.n)).toBe(12_000);

      await old.orm.migrator.down();
      expect((await pia.search.messages({ q: 'heading', limit: 5 })).items).toHaveLength(5);
    } finally {
      await old.drop();
    }
  });
});
