// The other sources, each in the shape its own software makes: UIMessages read from an AI SDK stream, a LangChain
// table filled by PostgresChatMessageHistory, a ChatGPT data export (its conversations.json, and zipped).
import { fileURLToPath } from 'node:url';
import { PostgresChatMessageHistory } from '@langchain/community/stores/message/postgres';
import { AIMessage, HumanMessage, SystemMessage } from '@langchain/core/messages';
import { createTestDatabase, type TestDatabase } from '@threadstore/shared/testing';
import { readUIMessageStream, type UIMessage, type UIMessageChunk, validateUIMessages } from 'ai';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callerFor } from '../testing.ts';
import { importRecords } from './import.ts';
import { type TransferDatabase, transferDatabase } from './pool.ts';
import { chatgptFile, chatgptSource } from './sources/chatgpt.ts';
import { langchainSource } from './sources/langchain.ts';
import { uiMessagesSource } from './sources/uimessages.ts';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

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

async function sdkAssistantMessage(): Promise<UIMessage> {
  const chunks: UIMessageChunk[] = [
    { type: 'start', messageId: 'aMsg2x7Kq9' },
    { type: 'start-step' },
    {
      type: 'tool-input-available',
      toolCallId: 'call_1',
      toolName: 'weather',
      input: { city: 'Shanghai' },
      dynamic: true,
    },
    { type: 'tool-output-available', toolCallId: 'call_1', output: { celsius: 31 }, dynamic: true },
    { type: 'finish-step' },
    { type: 'start-step' },
    { type: 'text-start', id: 't1' },
    { type: 'text-delta', id: 't1', delta: 'It is 31 °C in Shanghai.' },
    { type: 'text-end', id: 't1' },
    { type: 'finish-step' },
    { type: 'finish' },
  ];
  const stream = new ReadableStream<UIMessageChunk>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
      controller.close();
    },
  });
  let last: UIMessage | undefined;
  for await (const snapshot of readUIMessageStream({ stream })) last = snapshot;
  return structuredClone(last as UIMessage);
}

describe('import uimessages', () => {
  it('imports an AI SDK chat, ids kept as client ids, and reads back as valid UIMessages', async () => {
    const messages: UIMessage[] = [
      { id: 'uMsg1a2b3c', role: 'user', parts: [{ type: 'text', text: 'Weather in Shanghai?' }] },
      await sdkAssistantMessage(),
    ];
    // As a chat app writes it, pretty-printed, and read in small pieces as a stream is.
    const file = JSON.stringify({ chatK3y9xQ: messages, 'chat-empty': [] }, null, 2);
    const pieces = () =>
      (async function* () {
        for (let at = 0; at < file.length; at += 7) yield file.slice(at, at + 7);
      })();
    const summary = await importRecords(store, uiMessagesSource(pieces(), 'ui-user'));
    expect(summary).toMatchObject({ messages: 2, conversations: 1 });
    const again = await importRecords(store, uiMessagesSource(pieces(), 'ui-user'));
    expect(again).toMatchObject({ messages: 0, existing: 2 });
    const { items } = await callerFor(db.orm, 'ui-user').message.list({ conversationId: 'chatK3y9xQ', limit: 10 });
    expect(items.map((m) => m.id)).toEqual(['uMsg1a2b3c', 'aMsg2x7Kq9']);
    expect(items[1]?.parts).toEqual(messages[1]?.parts);
    await validateUIMessages({ messages: items.map(({ id, role, parts }) => ({ id, role, parts })) });
  });

  it('needs a conversation id for a plain array, and names a bad message by its line', async () => {
    const text = (value: string) =>
      (async function* () {
        yield value;
      })();
    const plain = JSON.stringify(
      [
        { id: 'm1', role: 'user', parts: [] },
        { id: 'm2', role: 'robot', parts: [] },
      ],
      null,
      1,
    );
    await expect(importRecords(store, uiMessagesSource(text(plain), 'ui-user'))).rejects.toThrow(/--conversation/);
    const bad = await importRecords(store, uiMessagesSource(text(plain), 'ui-user', 'chatA'), { skipInvalid: true });
    expect(bad.skipped).toEqual([{ line: 7, reason: 'role: "robot" is not one of user, assistant, system, tool' }]);
    await expect(importRecords(store, uiMessagesSource(text('{"chatB": 5}'), 'ui-user'))).rejects.toThrow(
      'expected { "chat id": [ … ], … } but found "5"',
    );
  });
});

describe('import langchain', () => {
  it("reads PostgresChatMessageHistory's own table, in order, and again without duplicates", async () => {
    const pool = new pg.Pool({ connectionString: db.url });
    try {
      const history = new PostgresChatMessageHistory({ pool, sessionId: 'lc-session-1', tableName: 'lc_history' });
      await history.addMessage(new SystemMessage('You are a car expert.'));
      await history.addMessage(new HumanMessage('What sells a Tesla?'));
      await history.addMessage(new AIMessage('Range, charging and running costs.'));
      const other = new PostgresChatMessageHistory({ pool, sessionId: 'lc-session-2', tableName: 'lc_history' });
      await other.addMessage(new HumanMessage('hello'));
    } finally {
      await pool.end();
    }
    const run = () => importRecords(store, langchainSource(db.url, 'lc_history', 'lc-user'));
    expect(await run()).toMatchObject({ messages: 4, conversations: 2 });
    expect(await run()).toMatchObject({ messages: 0, existing: 4 });
    const lc = callerFor(db.orm, 'lc-user');
    const { items } = await lc.message.list({ conversationId: 'lc-session-1', limit: 10 });
    expect(items.map((m) => [m.role, m.content])).toEqual([
      ['system', 'You are a car expert.'],
      ['user', 'What sells a Tesla?'],
      ['assistant', 'Range, charging and running costs.'],
    ]);
    expect(items[1]?.metadata).toMatchObject({ langchain: { sessionId: 'lc-session-1', type: 'human' } });
    await expect(importRecords(store, langchainSource(db.url, 'no_such_table', 'lc-user'))).rejects.toThrow(
      /cannot read table no_such_table/,
    );
  });
});

describe('import chatgpt', () => {
  it('imports the current branch as messages, other branches in metadata, from the JSON and from the zip', async () => {
    const summary = await importRecords(
      store,
      chatgptSource(await chatgptFile(fixture('chatgpt-conversations.json')), 'gpt-user'),
    );
    expect(summary).toMatchObject({ conversations: 1, messages: 2 });
    const gpt = callerFor(db.orm, 'gpt-user');
    const id = '5e0c7f0a-1111-4222-8333-444455556666';
    const conversation = await gpt.conversation.get({ id });
    expect(conversation).toMatchObject({ title: 'Tesla 小红书 plan', createdAt: '2025-07-21T07:05:00.123Z' });
    expect(conversation.metadata).toMatchObject({
      chatgpt: {
        otherBranches: [
          { id: '6f4d1b1e-0000-4000-8000-000000000002', text: 'First draft answer (regenerated later).' },
        ],
      },
    });
    const { items } = await gpt.message.list({ conversationId: id, limit: 10 });
    expect(items.map((m) => m.content)).toEqual([
      'How do I write about Tesla on 小红书?',
      'Show the engineering: battery, charging, real costs.',
    ]);
    // The same conversations.json inside an export zip (beside chat.html, as ChatGPT sends it).
    const zip = fixture('chatgpt-export.zip');
    const zipped = await importRecords(store, chatgptSource(await chatgptFile(zip), 'gpt-user'));
    expect(zipped).toMatchObject({ conversations: 0, messages: 0, existing: 3 });
  });
});
