import { fileURLToPath } from 'node:url';
import { createTestDatabase, type TestDatabase } from '@threadstore/shared/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callerFor } from '../testing.ts';
import { exportLines } from './export.ts';
import { importRecords } from './import.ts';
import { type TransferDatabase, transferDatabase } from './pool.ts';
import { InvalidRecord } from './records.ts';
import { supabaseSource } from './sources/supabase.ts';
import { threadstoreSource } from './sources/threadstore.ts';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const SESSION = '44ec8eb6-8504-4d50-a924-2cf3636cd604';

let db: TestDatabase;
let store: TransferDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
  store = transferDatabase(db.url);
});
afterAll(async () => {
  await store.destroy();
  await db.drop();
});

async function collect(lines: AsyncIterable<string>): Promise<string> {
  let text = '';
  for await (const line of lines) text += line;
  return text;
}

describe('import supabase', () => {
  it('imports the seed-shaped chat_messages CSV: tool parts in order, metadata kept, time order', async () => {
    const summary = await importRecords(
      store,
      supabaseSource(fixture('chat_messages_rows.csv'), 'chat_messages', 'u-seed'),
      {
        orderByTime: true,
      },
    );
    expect(summary).toMatchObject({ records: 4, messages: 4, conversations: 1, existing: 0, reordered: 1 });
    const alice = callerFor(db.orm, 'u-seed');
    const { items } = await alice.message.list({ conversationId: SESSION, limit: 10 });
    expect(items.map((m) => m.content?.slice(0, 2))).toEqual(['做小', '<n', 'ok', '<n']);
    const reply = items[1];
    expect(reply?.content).toContain('<nova3_tools id="1753081523634" name="nova3_observe_think"></nova3_tools>');
    expect(
      reply?.parts.map((p) => [
        p.type,
        (p as { toolName?: string }).toolName,
        (p as { toolCallId?: string }).toolCallId,
      ]),
    ).toEqual([
      ['dynamic-tool', 'nova3_concierge', '1753081507585'],
      ['dynamic-tool', 'nova3_observe_think', '1753081523634'],
      ['dynamic-tool', 'nova3_profile', '1753081576879'],
    ]);
    expect(reply?.parts[0]).toMatchObject({
      state: 'output-available',
      input: '',
      output: { content_type: 'nova3_concierge' },
    });
    expect(items[3]?.metadata).toEqual({
      supabase: {
        reference_tools: [],
        auto_select_tools: [],
        llm_raw_output: { model: 'deepseek-chat', usage: { total_tokens: 1234 } },
      },
    });
    expect(items[0]?.createdAt).toBe('2025-07-21T07:05:01.123Z');
    const conversation = await alice.conversation.get({ id: SESSION });
    expect(conversation.title).toMatch(/^做小红书账号的目的/);
    const hits = await alice.search.messages({ q: 'nova3_profile' });
    expect(hits.items.length).toBeGreaterThan(0);
  });

  it('imports the same file again without changes, and the JSON form finds the same rows', async () => {
    const before = await collect(exportLines(store, { userId: 'u-seed' }));
    const again = await importRecords(
      store,
      supabaseSource(fixture('chat_messages_rows.csv'), 'chat_messages', 'u-seed'),
      {
        orderByTime: true,
      },
    );
    expect(again).toMatchObject({ messages: 0, conversations: 0, existing: 4, reordered: 0 });
    const json = await importRecords(
      store,
      supabaseSource(fixture('chat_messages_rows.json'), 'chat_messages', 'u-seed'),
    );
    expect(json).toMatchObject({ messages: 0, existing: 4 });
    expect(await collect(exportLines(store, { userId: 'u-seed' }))).toBe(before);
  });

  it('imports contexts and notes into the same session', async () => {
    const contexts = await importRecords(store, supabaseSource(fixture('contexts_rows.csv'), 'contexts', 'u-seed'));
    const notes = await importRecords(store, supabaseSource(fixture('notes_rows.csv'), 'notes', 'u-seed'));
    expect([contexts.contexts, notes.notes]).toEqual([1, 1]);
    const alice = callerFor(db.orm, 'u-seed');
    expect(await alice.context.get({ sessionId: SESSION, action: 'nova3_profile' })).toMatchObject({
      contextData: { step: 3 },
    });
    expect(await alice.note.getByName({ sessionId: SESSION, name: 'profile1' })).toMatchObject({ selectStatus: 1 });
  });

  const csv = (...rows: string[]) =>
    [
      'id,project_id,role,content,function_tools,reference_tools,auto_select_tools,llm_raw_output,created_at',
      ...rows,
    ].join('\n');
  const row = (id: string, fields: Partial<Record<'project' | 'role' | 'tools' | 'at', string>> = {}) =>
    `${id},${fields.project ?? crypto.randomUUID()},${fields.role ?? 'user'},hi,${fields.tools ?? '[]'},[],[],,${fields.at ?? '2025-07-21 07:05:01+00'}`;
  const run = (text: string, skipInvalid = false) =>
    importRecords(
      store,
      supabaseSource(
        (async function* () {
          yield text;
        })(),
        'chat_messages',
        'u-bad',
      ),
      { skipInvalid },
    );
  const stopsAt = async (text: string) => {
    try {
      await run(text);
    } catch (error) {
      if (error instanceof InvalidRecord) return `${error.line}: ${error.message}`;
      throw error;
    }
    return 'imported';
  };

  it('stops at a bad record with its line, or skips and reports it', async () => {
    expect(
      await stopsAt(csv(row(crypto.randomUUID()), row(crypto.randomUUID(), { tools: '"[{""tool"": 1"' }))),
    ).toMatch(/^3: function_tools: not valid JSON/);
    expect(await stopsAt(csv(row('not a uuid')))).toBe(
      '2: id: "not a uuid" is neither a uuid nor an id of A-Z, a-z, 0-9, _ and -',
    );
    expect(await stopsAt(csv(row(crypto.randomUUID(), { role: 'robot' })))).toBe(
      '2: role: "robot" is not one of user, assistant, system, tool',
    );
    expect(await stopsAt(csv(row(crypto.randomUUID(), { at: 'yesterday' })))).toBe(
      '2: created_at: "yesterday" is not a time',
    );
    expect(await stopsAt('id,role,content\n1,user,hi')).toBe('1: the CSV header has no project_id, created_at column');
    const good = crypto.randomUUID();
    const skipped = await run(csv(row('bad id!'), row(good), row(crypto.randomUUID(), { role: 'x' })), true);
    expect(skipped.messages).toBe(1);
    expect(skipped.skipped.map((s) => s.line)).toEqual([2, 4]);
  });

  it('finishes an interrupted import without duplicates', async () => {
    const project = crypto.randomUUID();
    const ids = Array.from({ length: 5 }, () => crypto.randomUUID());
    const rows = ids.map((id, i) => row(id, { project, at: `2025-07-21 07:05:0${i}+00` }));
    // The first run dies at line 5 (a bad row): the two batches before it are written.
    await expect(run(csv(...rows.slice(0, 3), row('bad!'), ...rows.slice(3)))).rejects.toThrow(InvalidRecord);
    const resumed = await importRecords(
      store,
      supabaseSource(
        (async function* () {
          yield csv(...rows);
        })(),
        'chat_messages',
        'u-bad',
      ),
      {
        batchSize: 2,
      },
    );
    expect(resumed).toMatchObject({ messages: 2, existing: 3 });
    const { items } = await callerFor(db.orm, 'u-bad').message.list({ conversationId: project, limit: 10 });
    expect(items.map((m) => m.id)).toEqual(ids);
    expect((await callerFor(db.orm, 'u-bad').conversation.get({ id: project })).messageCount).toBe(5);
  });
});

describe('threadstore export', () => {
  it('narrows to one user, one conversation, or conversations active since a time', async () => {
    const types = async (scope: Parameters<typeof exportLines>[1]) =>
      (await collect(exportLines(store, scope)))
        .trim()
        .split('\n')
        .map((line) => (JSON.parse(line) as { type: string }).type);
    expect(await types({ userId: 'u-seed', since: '2030-01-01T00:00:00Z' })).toEqual(['threadstore']);
    expect(await types({ userId: 'u-seed', since: '2025-07-21T07:08:00Z' })).toEqual([
      'threadstore',
      'conversation',
      'message',
      'message',
      'message',
      'message',
      'context',
      'note',
    ]);
    expect(await types({ userId: 'u-seed', conversationId: SESSION })).toHaveLength(8);
    expect(await types({ userId: 'nobody' })).toEqual(['threadstore']);
  });

  it('import → export → import → export gives the same bytes, and a second import changes nothing', async () => {
    const first = await collect(exportLines(store));
    const other = await createTestDatabase();
    const target = transferDatabase(other.url);
    try {
      const source = () =>
        (async function* () {
          yield first;
        })();
      const restored = await importRecords(target, threadstoreSource(source()), { exact: true });
      expect(restored.existing).toBe(0);
      const second = await collect(exportLines(target));
      expect(second).toBe(first);
      const again = await importRecords(target, threadstoreSource(source()), { exact: true });
      expect(again).toMatchObject({ conversations: 0, messages: 0, contexts: 0, notes: 0 });
      expect(await collect(exportLines(target))).toBe(first);
    } finally {
      await target.destroy();
      await other.drop();
    }
  });
});
