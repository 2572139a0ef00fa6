// The example route end to end: requests as useChat sends them, the response stream read as the browser reads
// it, and the history in a real threadstore server on PostgreSQL.
import { loadChat } from '@threadstore/client/ai-sdk';
import {
  convertToModelMessages,
  generateId,
  parseJsonEventStream,
  readUIMessageStream,
  type UIMessageChunk,
  uiMessageChunkSchema,
  validateUIMessages,
} from 'ai';
import { afterAll, describe, expect, it } from 'vitest';
import { startTestServerFor } from '../packages/client/src/testing.ts';
import { type ChatMessage, createChatRoute, metadataSchema, tools } from './ai-sdk-chat.ts';

const { server, client } = await startTestServerFor('alice');
afterAll(() => server.close());
const POST = createChatRoute({ client });

/** One request as useChat sends it, and the assistant message the browser ends up with. */
async function send(chatId: string, message: ChatMessage): Promise<ChatMessage> {
  const response = await POST(
    new Request('http://app.test/api/chat', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: chatId, message }),
    }),
  );
  expect(response.status).toBe(200);
  const chunks = parseJsonEventStream({
    stream: response.body as ReadableStream<Uint8Array>,
    schema: uiMessageChunkSchema,
  }).pipeThrough(
    new TransformStream({
      transform(result, controller) {
        if (!result.success) throw result.error;
        controller.enqueue(result.value as UIMessageChunk);
      },
    }),
  );
  let last: ChatMessage | undefined;
  const continued = message.role === 'assistant' ? structuredClone(message) : undefined;
  for await (const snapshot of readUIMessageStream<ChatMessage>({ stream: chunks, message: continued })) {
    last = snapshot;
  }
  // The reply is finished in threadstore as the stream ends; the browser's copy can arrive a moment before
  // (a continuation's message is stored, complete, from the turn before).
  const reply = structuredClone(last as ChatMessage);
  const stored = async () => ({
    message: (await loadChat<ChatMessage>(client, { chatId })).find((item) => item.id === reply.id),
    status: (await client.message.get.query({ id: reply.id }).catch(() => undefined))?.status,
  });
  await expect.poll(stored, { timeout: 5000 }).toEqual({ message: reply, status: 'complete' });
  return reply;
}

const ask = (text: string): ChatMessage => ({ id: generateId(), role: 'user', parts: [{ type: 'text', text }] });

async function expectStored(chatId: string, expected: ChatMessage[]) {
  const stored = await loadChat<ChatMessage>(client, { chatId });
  expect(stored).toEqual(expected);
  expect(await validateUIMessages<ChatMessage>({ messages: stored, tools, metadataSchema })).toEqual(
    await validateUIMessages<ChatMessage>({ messages: expected, tools, metadataSchema }),
  );
  expect(await convertToModelMessages(stored, { tools })).toEqual(await convertToModelMessages(expected, { tools }));
}

describe('examples/ai-sdk-chat.ts', () => {
  it('loads the chat, streams tool calls, asks for approval, and continues the same message', async () => {
    const chatId = generateId();
    const question = ask('How warm is it in Lisbon?');
    const weather = await send(chatId, question);
    expect(weather.parts.find((part) => part.type === 'tool-weather')).toMatchObject({
      state: 'output-available',
      output: { city: 'Lisbon', celsius: 18 },
    });
    expect(weather.metadata).toMatchObject({ model: 'scripted-mock', finishedAt: expect.any(String) });
    await expectStored(chatId, [question, weather]);

    const transfer = ask('Please send 20 to Bob');
    const asked = await send(chatId, transfer);
    const request = asked.parts.find((part) => part.type === 'tool-sendMoney');
    expect(request).toMatchObject({ state: 'approval-requested', input: { to: 'Bob', amount: 20 } });
    await expectStored(chatId, [question, weather, transfer, asked]);

    // The user approves in the browser (addToolApprovalResponse); useChat sends that message back.
    const answered = structuredClone(asked);
    Object.assign(answered.parts.find((part) => part.type === 'tool-sendMoney') as object, {
      state: 'approval-responded',
      approval: { ...(request as { approval: { id: string } }).approval, approved: true },
    });
    const continued = await send(chatId, answered);
    expect(continued.id).toBe(asked.id);
    expect(continued.parts.find((part) => part.type === 'tool-sendMoney')).toMatchObject({
      state: 'output-available',
      output: { to: 'Bob', amount: 20 },
    });
    expect(continued.parts.at(-1)).toMatchObject({ type: 'text', text: expect.stringContaining('Done:') });
    await expectStored(chatId, [question, weather, transfer, continued]);
  });

  it('keeps a denied transfer, and a new chat starts empty', async () => {
    const chatId = generateId();
    expect(await loadChat(client, { chatId })).toEqual([]);
    const transfer = ask('send 5 to Carol');
    const asked = await send(chatId, transfer);
    const denied = structuredClone(asked);
    const part = denied.parts.find((item) => item.type === 'tool-sendMoney') as { approval: { id: string } };
    Object.assign(part, { state: 'approval-responded', approval: { ...part.approval, approved: false, reason: 'no' } });
    const answer = await send(chatId, denied);
    expect(answer.parts.find((item) => item.type === 'tool-sendMoney')).toMatchObject({ state: 'output-denied' });
    expect(answer.parts.at(-1)).toMatchObject({ type: 'text', text: 'Done: The transfer was not approved.' });
    await expectStored(chatId, [transfer, answer]);
  });
});
