import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createTestDatabase, type TestDatabase } from '@threadstore/shared/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callerFor, failure, serviceCaller } from '../testing.ts';

const fixture = (name: string) =>
  readFileSync(fileURLToPath(new URL(`../transfer/fixtures/${name}`, import.meta.url)), 'utf8');
const SESSION = '44ec8eb6-8504-4d50-a924-2cf3636cd604';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.drop());

async function exportAll(caller: ReturnType<typeof callerFor>) {
  let text = '';
  let pages = 0;
  for (let cursor: string | undefined; ; ) {
    const page = await caller.transfer.export({ cursor });
    text += page.lines;
    pages += 1;
    if (!page.nextCursor) return { text, pages };
    cursor = page.nextCursor;
  }
}

describe('transfer', () => {
  it('imports the seed-shaped tables in the caller history and exports them again', async () => {
    const alice = callerFor(db.orm, 'alice');
    const messages = await alice.transfer.import({ format: 'supabase', data: fixture('chat_messages_rows.csv') });
    expect(messages).toMatchObject({ messages: 4, conversations: 1, reordered: 1, skipped: [] });
    // The rows name user-44ec: an upload goes into the caller's own history all the same.
    await alice.transfer.import({ format: 'supabase-contexts', data: fixture('contexts_rows.csv') });
    await alice.transfer.import({ format: 'supabase-notes', data: fixture('notes_rows.csv') });
    expect(await alice.note.getByName({ sessionId: SESSION, name: 'profile1' })).toMatchObject({ selectStatus: 1 });
    const { items } = await alice.message.list({ conversationId: SESSION, limit: 10 });
    expect(items.map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant']);

    const { text } = await exportAll(alice);
    const lines = text
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string });
    expect(lines.map((line) => line.type)).toEqual([
      'threadstore',
      'conversation',
      'message',
      'message',
      'message',
      'message',
      'context',
      'note',
    ]);
    // Bob restores alice's export into his own history: the same ids, his rows.
    const bob = callerFor(db.orm, 'bob');
    await expect(failure(bob.transfer.import({ format: 'threadstore', data: text }))).resolves.toEqual({
      code: 'BAD_REQUEST',
      message: `data: line 2: conversation ${SESSION} belongs to another user (in the batch from here on)`,
    });
    expect((await bob.conversation.list({})).items).toEqual([]);
    const again = await alice.transfer.import({ format: 'threadstore', data: text });
    expect(again).toMatchObject({ conversations: 0, messages: 0, existing: 7 });
    expect((await exportAll(alice)).text).toBe(text);
  });

  it('pages an export by whole conversations', async () => {
    const carol = callerFor(db.orm, 'carol');
    const big = 'x'.repeat(400_000);
    for (let i = 0; i < 4; i += 1) {
      const id = crypto.randomUUID();
      await carol.conversation.create({ id, title: `c${i}` });
      await carol.message.append({ conversationId: id, role: 'user', parts: [{ type: 'text', text: big }] });
    }
    const { text, pages } = await exportAll(carol);
    expect(pages).toBeGreaterThan(1);
    expect(text.split('\n').filter((line) => line.startsWith('{"type":"conversation"'))).toHaveLength(4);
    expect(text.split('\n').filter((line) => line.startsWith('{"type":"threadstore"'))).toHaveLength(1);
  });

  it('refuses an upload over 2 MiB, bad records by line, and a service call without a user', async () => {
    const alice = callerFor(db.orm, 'alice');
    const tooBig = await failure(
      alice.transfer.import({ format: 'threadstore', data: 'x'.repeat(2 * 1024 * 1024 + 1) }),
    );
    expect(tooBig.code).toBe('BAD_REQUEST');
    expect(tooBig.message).toMatch(/at most 2097152 bytes/);
    const bad = await failure(
      alice.transfer.import({
        format: 'supabase',
        data: `id,project_id,role,content,created_at\n${crypto.randomUUID()},${crypto.randomUUID()},robot,hi,2025-07-21 07:05:01+00`,
      }),
    );
    expect(bad).toEqual({
      code: 'BAD_REQUEST',
      message: 'data: line 2: role: "robot" is not one of user, assistant, system, tool',
    });
    const skipped = await alice.transfer.import({
      format: 'supabase',
      skipInvalid: true,
      data: `id,project_id,role,content,created_at\nnope!,${crypto.randomUUID()},user,hi,2025-07-21 07:05:01+00`,
    });
    expect(skipped.skipped).toEqual([
      { line: 2, reason: 'id: "nope!" is neither a uuid nor an id of A-Z, a-z, 0-9, _ and -' },
    ]);
    expect((await failure(serviceCaller(db.orm).transfer.export({}))).code).toBe('BAD_REQUEST');
  });
});
