// A chat route handler for an AI SDK 7 app (the shape of a Next.js `app/api/chat/route.ts` POST), with its history
// in threadstore: it loads the chat, adds the message the browser sent, streams the reply with `streamText`, and
// persists it as it streams (a stopped reply keeps what was streamed). One tool needs the user's approval; the
// turn after the approval continues the same assistant message.
//
// The browser side is useChat with the last message only, as the SDK's persistence guide recommends:
//
//   useChat({ id: chatId, messages: await loadChat(...), transport: new DefaultChatTransport({ api: '/api/chat',
//     prepareSendMessagesRequest: ({ id, messages }) => ({ body: { id, message: messages.at(-1) } }) }) })
//
// The model here is a mock from `ai/test`, so the example runs without an API key; put your provider's model in
// `createChatRoute({ model })`.

import type { LanguageModelV4StreamPart } from '@ai-sdk/provider';
import { createThreadstoreClient, type ThreadstoreClient } from '@threadstore/client';
import {
  type ChatOptions,
  closeUnfinishedToolCalls,
  loadChat,
  persistUIMessageStream,
  saveChat,
} from '@threadstore/client/ai-sdk';
import {
  convertToModelMessages,
  createUIMessageStreamResponse,
  generateId,
  type InferUITools,
  type LanguageModel,
  type ModelMessage,
  simulateReadableStream,
  stepCountIs,
  streamText,
  tool,
  type UIMessage,
  validateUIMessages,
} from 'ai';
import { MockLanguageModelV4 } from 'ai/test';
import { z } from 'zod';

export const tools = {
  weather: tool({
    description: 'The current temperature in a city',
    inputSchema: z.object({ city: z.string() }),
    outputSchema: z.object({ city: z.string(), celsius: z.number() }),
    execute: async ({ city }) => ({ city, celsius: 12 + (city.length % 10) }),
  }),
  sendMoney: tool({
    description: 'Sends money to a contact; the user approves every transfer',
    inputSchema: z.object({ to: z.string(), amount: z.number().positive() }),
    execute: async ({ to, amount }) => ({ to, amount, reference: `tr_${generateId()}` }),
  }),
};

/** The assistant's messages say which model wrote them; the user's carry none. */
export const metadataSchema = z.object({ model: z.string(), finishedAt: z.string().optional() }).optional();
export type ChatMessage = UIMessage<z.infer<typeof metadataSchema>, never, InferUITools<typeof tools>>;

/** What useChat sends with `prepareSendMessagesRequest` as above: the chat id and its newest message. */
const requestBody = z.object({ id: z.string(), message: z.custom<ChatMessage>() });

export interface ChatRouteOptions {
  client: ThreadstoreClient;
  /** With a service token: the user the chats belong to. */
  userId?: string;
  model?: LanguageModel;
}

export function createChatRoute(options: ChatRouteOptions) {
  const { client, userId } = options;
  const model = options.model ?? scriptedModel();
  return async function POST(request: Request): Promise<Response> {
    const parsed = requestBody.safeParse(await request.json());
    if (!parsed.success) return Response.json({ error: parsed.error.issues }, { status: 400 });
    const chat: ChatOptions = { chatId: parsed.data.id, userId };

    // The stored history plus the browser's message. An answer to a tool approval comes back as the assistant
    // message it belongs to, with the same id: it replaces the stored one.
    const history = await loadChat<ChatMessage>(client, chat);
    const incoming = parsed.data.message;
    const merged = history.some((message) => message.id === incoming.id)
      ? history.map((message) => (message.id === incoming.id ? incoming : message))
      : [...history, incoming];
    const messages = await validateUIMessages<ChatMessage>({ messages: merged, tools, metadataSchema });
    await saveChat(client, { ...chat, messages });

    const result = streamText({
      model,
      system: 'You are a helpful assistant.',
      // A reply that was stopped halfway left tool calls without an output: they reach the model as aborted.
      messages: await convertToModelMessages(closeUnfinishedToolCalls(messages), { tools }),
      tools,
      toolApproval: { sendMoney: 'user-approval' },
      stopWhen: stepCountIs(5),
      abortSignal: request.signal,
    });
    const stream = result.toUIMessageStream<ChatMessage>({
      originalMessages: messages,
      generateMessageId: generateId,
      messageMetadata: ({ part }) =>
        part.type === 'start'
          ? { model: typeof model === 'string' ? model : model.modelId }
          : part.type === 'finish'
            ? { model: typeof model === 'string' ? model : model.modelId, finishedAt: new Date().toISOString() }
            : undefined,
    });
    const persisted = persistUIMessageStream<ChatMessage>(client, stream, { ...chat, originalMessages: messages });
    return createUIMessageStreamResponse({ stream: persisted.stream });
  };
}

const usage = {
  inputTokens: { total: 10, noCache: 10, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: 10, text: 10, reasoning: undefined },
};

function reply(parts: LanguageModelV4StreamPart[], finishReason: 'stop' | 'tool-calls') {
  return {
    stream: simulateReadableStream<LanguageModelV4StreamPart>({
      chunks: [...parts, { type: 'finish', finishReason: { unified: finishReason, raw: finishReason }, usage }],
      chunkDelayInMs: 5,
    }),
  };
}

const say = (text: string): LanguageModelV4StreamPart[] => [
  { type: 'text-start', id: 'text' },
  ...text.split(/(?<= )/).map((delta) => ({ type: 'text-delta' as const, id: 'text', delta })),
  { type: 'text-end', id: 'text' },
];

const lastUserText = (prompt: ModelMessage[]) => {
  const content = prompt.findLast((message) => message.role === 'user')?.content;
  return typeof content === 'string'
    ? content
    : (content ?? []).map((part) => (part.type === 'text' ? part.text : '')).join(' ');
};

/**
 * A model that answers from a script: "send N to NAME" calls sendMoney, anything else looks up the weather of
 * the last capitalised word; once a tool has answered (or was denied) it says so in words.
 */
export function scriptedModel() {
  return new MockLanguageModelV4({
    modelId: 'scripted-mock',
    doStream: async ({ prompt }) => {
      const last = prompt.at(-1);
      if (last?.role === 'tool') {
        const results = last.content.filter((part) => part.type === 'tool-result');
        const summary = results
          .map((part) =>
            part.output.type === 'execution-denied'
              ? 'The transfer was not approved.'
              : JSON.stringify(part.output.value),
          )
          .join(' ');
        return reply(say(`Done: ${summary}`), 'stop');
      }
      const text = lastUserText(prompt);
      const transfer = /send (\d+) to (\w+)/i.exec(text);
      const toolCallId = `call_${generateId()}`;
      if (transfer) {
        const input = { to: transfer[2], amount: Number(transfer[1]) };
        return reply(
          [{ type: 'tool-call', toolCallId, toolName: 'sendMoney', input: JSON.stringify(input) }],
          'tool-calls',
        );
      }
      const city = text.match(/\b[A-Z][a-z]+\b/g)?.at(-1) ?? 'Paris';
      return reply(
        [
          ...say(`Looking up ${city}. `),
          { type: 'tool-call', toolCallId, toolName: 'weather', input: JSON.stringify({ city }) },
        ],
        'tool-calls',
      );
    },
  });
}

/** The route with the client configured from the environment, as a deployed app would have it. */
export function routeFromEnv() {
  const token = process.env.THREADSTORE_TOKEN;
  if (!token) throw new Error('Set THREADSTORE_TOKEN (the server prints one on its first start, after ?token=).');
  const client = createThreadstoreClient({ url: process.env.THREADSTORE_URL ?? 'http://127.0.0.1:3000', token });
  return createChatRoute({ client, userId: process.env.THREADSTORE_USER_ID });
}
