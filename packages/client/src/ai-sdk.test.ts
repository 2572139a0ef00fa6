// The AI SDK 7 adapter against a real server and PostgreSQL, with messages made by the SDK itself: streamText with
// a mock model, read back through readUIMessageStream, checked with validateUIMessages and convertToModelMessages.
import type { LanguageModelV4StreamPart } from '@ai-sdk/provider';
import { everyAssistantPart, everyUserPart } from '@threadstore/shared/testing';
import {
  convertToModelMessages,
  createUIMessageStream,
  generateId,
  type InferUIMessageChunk,
  type InferUITools,
  MissingToolResultsError,
  readUIMessageStream,
  simulateReadableStream,
  stepCountIs,
  streamText,
  tool,
  type UIMessage,
  type UIMessageChunk,
  validateUIMessages,
} from 'ai';
import { MockLanguageModelV4 } from 'ai/test';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { closeUnfinishedToolCalls, loadChat, persistUIMessageStream, saveChat } from './ai-sdk.ts';
import { startTestServerFor } from './testing.ts';

const { server, client } = await startTestServerFor('alice');
afterAll(() => server.close());

const tools = {
  weather: tool({
    description: 'The weather in a city',
    inputSchema: z.object({ city: z.string() }),
    outputSchema: z.object({ celsius: z.number() }),
    execute: async ({ city }) => ({ celsius: city.length }),
  }),
  // A tool named `result`: its UI parts are `tool-result`, which the first seed also used, without a state.
  result: tool({
    inputSchema: z.object({ id: z.string() }),
    execute: async ({ id }) => `result ${id}`,
  }),
  broken: tool({
    inputSchema: z.object({ reason: z.string().optional() }),
    execute: async (): Promise<string> => {
      throw new Error('the broken tool failed');
    },
  }),
  transfer: tool({
    inputSchema: z.object({ amount: z.number() }),
    execute: async ({ amount }) => ({ sent: amount }),
  }),
};
const dataSchemas = { progress: z.object({ percent: z.number() }) };
const metadataSchema = z.object({ model: z.string(), step: z.number().optional() });
type Message = UIMessage<z.infer<typeof metadataSchema>, { progress: { percent: number } }, InferUITools<typeof tools>>;

const usage = {
  inputTokens: { total: 3, noCache: 3, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: 5, text: 5, reasoning: undefined },
};
const finish = (unified: 'stop' | 'tool-calls'): LanguageModelV4StreamPart => ({
  type: 'finish',
  finishReason: { unified, raw: unified },
  usage,
});
const textChunks = (id: string, text: string): LanguageModelV4StreamPart[] => [
  { type: 'text-start', id },
  ...text.split(/(?<= )/).map((delta) => ({ type: 'text-delta' as const, id, delta })),
  { type: 'text-end', id },
];
const call = (toolCallId: string, toolName: string, input: unknown): LanguageModelV4StreamPart => ({
  type: 'tool-call',
  toolCallId,
  toolName,
  input: JSON.stringify(input),
});

/** A model that streams the given steps, one per call, and records the prompts it was given. */
function mockModel(steps: LanguageModelV4StreamPart[][], options: { hangAfterLastChunk?: boolean } = {}) {
  let step = 0;
  return new MockLanguageModelV4({
    doStream: async ({ abortSignal }) => {
      const chunks = steps[Math.min(step++, steps.length - 1)] ?? [];
      if (!options.hangAfterLastChunk) {
        return { stream: simulateReadableStream({ chunks, chunkDelayInMs: 1 }) };
      }
      // Streams its chunks, then waits for the request to be stopped.
      return {
        stream: new ReadableStream<LanguageModelV4StreamPart>({
          async start(controller) {
            for (const chunk of chunks) controller.enqueue(chunk);
            abortSignal?.addEventListener('abort', () => controller.error(abortSignal.reason));
          },
        }),
      };
    },
  });
}

/** The UI message stream of one turn, as a route handler makes it. */
async function turn(
  model: MockLanguageModelV4,
  messages: Message[],
  extra: { abortSignal?: AbortSignal; toolApproval?: Parameters<typeof streamText>[0]['toolApproval'] } = {},
) {
  const result = streamText({
    model,
    messages: await convertToModelMessages(closeUnfinishedToolCalls(messages), { tools }),
    tools,
    stopWhen: stepCountIs(5),
    ...extra,
  });
  return result.toUIMessageStream<Message>({
    originalMessages: messages,
    generateMessageId: generateId,
    sendSources: true,
    sendReasoning: true,
    messageMetadata: ({ part }) => (part.type === 'start' ? { model: 'mock-1' } : undefined),
  });
}

/** What the browser ends up with: the last message the stream makes. */
async function browserCopy(stream: ReadableStream<UIMessageChunk>, continued?: Message): Promise<Message> {
  let last: Message | undefined;
  const message = continued && structuredClone(continued);
  for await (const snapshot of readUIMessageStream<Message>({ stream, message })) last = snapshot;
  return structuredClone(last as Message);
}

async function persistTurn(chatId: string, stream: ReadableStream<UIMessageChunk>, originalMessages: Message[]) {
  const persisted = persistUIMessageStream<Message>(client, stream, { chatId, originalMessages, throttleMs: 0 });
  const last = originalMessages.at(-1);
  const [browser, stored] = await Promise.all([
    browserCopy(persisted.stream, last?.role === 'assistant' ? last : undefined),
    persisted.done,
  ]);
  return { browser, stored };
}

/** Read back three ways: the same messages, the same validated messages, the same model messages. */
async function expectRoundTrip(chatId: string, sent: Message[]) {
  const loaded = await loadChat<Message>(client, { chatId });
  expect(loaded).toEqual(sent);
  const validate = (messages: Message[]) =>
    validateUIMessages<Message>({ messages, tools, dataSchemas, metadataSchema });
  expect(await validate(loaded)).toEqual(await validate(sent));
  expect(await convertToModelMessages(loaded, { tools })).toEqual(await convertToModelMessages(sent, { tools }));
  return loaded;
}

const userMessage = (text: string): Message => ({
  id: generateId(),
  role: 'user',
  parts: [{ type: 'text', text }],
  metadata: { model: 'user' },
});

describe('a multi-step turn with tools, reasoning, sources and files', () => {
  const steps: LanguageModelV4StreamPart[][] = [
    [
      { type: 'stream-start', warnings: [] },
      { type: 'reasoning-start', id: 'r1' },
      { type: 'reasoning-delta', id: 'r1', delta: 'The user wants weather.' },
      { type: 'reasoning-end', id: 'r1' },
      ...textChunks('t1', 'Let me look that up. '),
      { type: 'source', sourceType: 'url', id: 'src-1', url: 'https://example.com/weather', title: 'Weather' },
      {
        type: 'source',
        sourceType: 'document',
        id: 'src-2',
        mediaType: 'application/pdf',
        title: 'Almanac',
        filename: 'almanac.pdf',
      },
      { type: 'file', mediaType: 'image/png', data: { type: 'data', data: 'iVBORw0KGgo=' } },
      call('call-w', 'weather', { city: 'Paris' }),
      call('call-r', 'result', { id: 'r1' }),
      call('call-b', 'broken', {}),
      finish('tool-calls'),
    ],
    [...textChunks('t2', 'It is 5 degrees in Paris.'), finish('stop')],
  ];

  it('is stored as streamed through persistUIMessageStream, and reads back three ways', async () => {
    const chatId = generateId();
    const question = userMessage('Weather in Paris?');
    await saveChat(client, { chatId, messages: [question] });
    const { browser, stored } = await persistTurn(chatId, await turn(mockModel(steps), [question]), [question]);
    expect(stored?.status).toBe('complete');
    const types = browser.parts.map((part) => part.type);
    expect(types).toEqual(
      expect.arrayContaining(['step-start', 'reasoning', 'text', 'source-url', 'source-document', 'file']),
    );
    expect(types).toEqual(expect.arrayContaining(['tool-weather', 'tool-result', 'tool-broken']));
    expect(browser.parts.find((part) => part.type === 'tool-broken')).toMatchObject({
      state: 'output-error',
      errorText: 'Error: the broken tool failed',
    });
    expect(browser.parts.find((part) => part.type === 'tool-result')).toMatchObject({
      state: 'output-available',
      output: 'result r1',
    });
    expect(browser.metadata).toEqual({ model: 'mock-1' });
    expect(stored?.message).toEqual(browser);
    await expectRoundTrip(chatId, [question, browser]);
  });

  it('is the same through appendRound, append, and saveChat', async () => {
    const question = userMessage('Weather in Paris?');
    const { browser: reply } = await persistTurn(generateId(), await turn(mockModel(steps), [question]), [question]);

    const roundChat = generateId();
    const [user, assistant] = [question, reply].map(withNewIds(roundChat)) as [Message, Message];
    await client.message.appendRound.mutate({
      conversationId: roundChat,
      user: { id: user.id, parts: user.parts, metadata: user.metadata },
      assistant: { id: assistant.id, parts: assistant.parts, metadata: assistant.metadata },
    });
    await expectRoundTrip(roundChat, [user, assistant]);

    const appendChat = generateId();
    const copies = [question, reply].map(withNewIds(appendChat));
    for (const message of copies) {
      await client.message.append.mutate({ ...message, conversationId: appendChat });
    }
    await expectRoundTrip(appendChat, copies);

    const savedChat = generateId();
    const saved = [question, reply].map(withNewIds(savedChat));
    expect((await saveChat(client, { chatId: savedChat, messages: saved })).appended).toHaveLength(2);
    expect(await saveChat(client, { chatId: savedChat, messages: saved })).toEqual({ appended: [], updated: [] });
    await expectRoundTrip(savedChat, saved);
  });
});

/** Message ids are unique across the store, so each copy of a chat gets its own. */
const withNewIds = (chatId: string) => (message: Message) => ({ ...message, id: `${chatId}-${message.role}` });

describe('data parts from createUIMessageStream', () => {
  it('are stored with the reply and validated against their schema', async () => {
    const chatId = generateId();
    const question = userMessage('Count to three');
    const model = mockModel([[...textChunks('t', 'One, two, three.'), finish('stop')]]);
    const progress = (percent: number) => ({ type: 'data-progress' as const, id: 'progress', data: { percent } });
    const stream = createUIMessageStream<Message>({
      originalMessages: [question],
      generateId,
      execute: async ({ writer }) => {
        // Progress around the model's reply: updated in place (same id), plus one written before the reply starts.
        writer.write({ type: 'data-progress', id: 'early', data: { percent: 0 } });
        const reply = (await turn(model, [question])).pipeThrough(
          new TransformStream<InferUIMessageChunk<Message>, InferUIMessageChunk<Message>>({
            transform(chunk, controller) {
              if (chunk.type === 'finish') controller.enqueue(progress(100));
              controller.enqueue(chunk);
              if (chunk.type === 'start') controller.enqueue(progress(10));
            },
          }),
        );
        writer.merge(reply);
      },
    });
    await saveChat(client, { chatId, messages: [question] });
    const persisted = persistUIMessageStream<Message>(client, stream, { chatId, originalMessages: [question] });
    const [browser, stored] = await Promise.all([browserCopy(persisted.stream), persisted.done]);
    // useChat keeps a data part written before the start chunk; readUIMessageStream (the copy here) does not.
    expect(stored?.message.parts.filter((part) => part.type === 'data-progress')).toEqual([
      { type: 'data-progress', id: 'early', data: { percent: 0 } },
      progress(100),
    ]);
    expect(browser.parts.filter((part) => part.type === 'data-progress')).toEqual([progress(100)]);
    await expectRoundTrip(chatId, [question, stored?.message as Message]);
  });
});

describe('tool approval', () => {
  const requestTransfer = [call('call-t', 'transfer', { amount: 25 }), finish('tool-calls')];

  it.each([true, false])('asks, is answered (approved: %s), and continues into the same message', async (approved) => {
    const chatId = generateId();
    const question = userMessage('Send 25 to Bob');
    const model = mockModel([requestTransfer, [...textChunks('t', approved ? 'Sent.' : 'Not sent.'), finish('stop')]]);
    await saveChat(client, { chatId, messages: [question] });
    const first = await persistTurn(
      chatId,
      await turn(model, [question], { toolApproval: { transfer: 'user-approval' } }),
      [question],
    );
    const asked = first.browser.parts.find((part) => part.type === 'tool-transfer');
    expect(asked).toMatchObject({ state: 'approval-requested', approval: { id: expect.any(String) } });
    await expectRoundTrip(chatId, [question, first.browser]);

    // The browser answers (useChat's addToolApprovalResponse) and sends the chat back.
    const answered: Message = structuredClone(first.browser);
    const part = answered.parts.find((item) => item.type === 'tool-transfer') as Extract<
      Message['parts'][number],
      { type: 'tool-transfer'; state: 'approval-requested' }
    >;
    Object.assign(part, { state: 'approval-responded', approval: { ...part.approval, approved, reason: 'by test' } });
    const history = [question, answered];
    expect(await saveChat(client, { chatId, messages: history })).toEqual({ appended: [], updated: [answered.id] });

    const second = await persistTurn(
      chatId,
      await turn(model, history, { toolApproval: { transfer: 'user-approval' } }),
      history,
    );
    expect(second.browser.id).toBe(answered.id);
    const outcome = second.browser.parts.find((item) => item.type === 'tool-transfer');
    expect(outcome).toMatchObject(
      approved ? { state: 'output-available', output: { sent: 25 } } : { state: 'output-denied' },
    );
    expect(second.stored?.message).toEqual(second.browser);
    const loaded = await expectRoundTrip(chatId, [question, second.browser]);
    expect(loaded).toHaveLength(2);
  });

  it('records an automatic approval as the SDK streams it', async () => {
    const chatId = generateId();
    const question = userMessage('Send 5 to Bob');
    const model = mockModel([
      [call('call-a', 'transfer', { amount: 5 }), finish('tool-calls')],
      [...textChunks('t', 'Sent automatically.'), finish('stop')],
    ]);
    await saveChat(client, { chatId, messages: [question] });
    const { browser } = await persistTurn(
      chatId,
      await turn(model, [question], { toolApproval: { transfer: 'approved' } }),
      [question],
    );
    expect(browser.parts.find((part) => part.type === 'tool-transfer')).toMatchObject({
      state: 'output-available',
      approval: { approved: true, isAutomatic: true },
    });
    await expectRoundTrip(chatId, [question, browser]);
  });
});

describe('a stopped stream', () => {
  it('keeps exactly what was streamed, and does not poison the next turn', async () => {
    const chatId = generateId();
    const question = userMessage('Weather in Oslo?');
    const stopped = new AbortController();
    const hanging = mockModel(
      [[...textChunks('t', 'Checking the weather. '), call('call-o', 'weather', { city: 'Oslo' })]],
      { hangAfterLastChunk: true },
    );
    // A tool that never answers, so the call stays input-available when the stream is stopped.
    const slowTools = { ...tools, weather: tool({ ...tools.weather, execute: () => new Promise<never>(() => {}) }) };
    await saveChat(client, { chatId, messages: [question] });
    const result = streamText({
      model: hanging,
      messages: await convertToModelMessages([question]),
      tools: slowTools,
      abortSignal: stopped.signal,
    });
    const stream = result.toUIMessageStream<Message>({
      originalMessages: [question],
      generateMessageId: generateId,
      messageMetadata: ({ part }) => (part.type === 'start' ? { model: 'mock-1' } : undefined),
    });
    const persisted = persistUIMessageStream<Message>(client, stream, {
      chatId,
      originalMessages: [question],
      throttleMs: 0,
    });
    const copies: Message[] = [];
    const reading = (async () => {
      for await (const message of readUIMessageStream<Message>({ stream: persisted.stream })) {
        copies.push(structuredClone(message));
        if (message.parts.some((part) => part.type === 'tool-weather' && part.state === 'input-available')) {
          stopped.abort();
        }
      }
    })();
    const [stored] = await Promise.all([persisted.done, reading]);
    const browser = copies.at(-1) as Message;
    expect(stored?.status).toBe('aborted');
    expect(browser.parts.find((part) => part.type === 'tool-weather')).toMatchObject({ state: 'input-available' });
    const history = await expectRoundTrip(chatId, [question, browser]);

    // The trap (vercel/ai#10638): as stored, the call has no result and the follow-up request fails.
    const followUp = [...history, userMessage('Never mind, Bergen?')];
    const errors: unknown[] = [];
    await streamText({
      model: mockModel([[...textChunks('t', 'unreachable'), finish('stop')]]),
      messages: await convertToModelMessages(followUp, { tools }),
      tools,
      onError: ({ error }) => void errors.push(error),
    }).consumeStream();
    expect(errors).toEqual([expect.any(MissingToolResultsError)]);
    // Through the adapter the call is closed as aborted, and the turn goes through.
    const model = mockModel([[...textChunks('t', 'Bergen: 7 degrees.'), finish('stop')]]);
    const next = await persistTurn(chatId, await turn(model, followUp), followUp);
    expect(next.stored?.status).toBe('complete');
    const prompt = JSON.stringify(model.doStreamCalls[0]?.prompt);
    expect(prompt).toContain('aborted');
    // What is stored is still what was streamed.
    expect((await loadChat<Message>(client, { chatId }))[1]).toEqual(browser);
  });
});

describe('hand-built parts of every type in every state', () => {
  it('read back as sent, and valid for the SDK', async () => {
    const chatId = generateId();
    const messages = [
      { id: generateId(), role: 'user', parts: everyUserPart },
      { id: generateId(), role: 'assistant', parts: everyAssistantPart, metadata: { model: 'hand' } },
    ] as Message[];
    await saveChat(client, { chatId, messages });
    const loaded = await loadChat<Message>(client, { chatId });
    expect(loaded).toEqual(messages);
    const validate = (input: Message[]) =>
      validateUIMessages<Message>({ messages: input, metadataSchema: z.unknown() });
    expect(await validate(loaded)).toEqual(await validate(messages));
  });
});
