// The AI SDK 7 adapter: a chat's history as `UIMessage[]`, saved the way the SDK's persistence guide saves it,
// and a UI message stream persisted as it streams, so a stopped or crashed reply keeps what was streamed.
import type { RouterOutputs } from '@threadstore/api';
import type { JsonValue, MessagePart } from '@threadstore/shared';
import { TRPCClientError } from '@trpc/client';
import { generateId, readUIMessageStream, type UIMessage, type UIMessageChunk } from 'ai';
import type { ThreadstoreClient } from './client.ts';
import { startAssistantStream } from './stream.ts';

type StoredMessage = RouterOutputs['message']['list']['items'][number];

export interface ChatOptions {
  /** The AI SDK chat id: threadstore's conversation id. */
  chatId: string;
  /** With a service token: the user the chat belongs to. */
  userId?: string;
}

/** JSON with object keys sorted: PostgreSQL's jsonb does not keep key order, so equal values compare by this. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) =>
    item && typeof item === 'object' && !Array.isArray(item)
      ? Object.fromEntries(Object.entries(item).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : item,
  );
}

const isNotFound = (error: unknown) => error instanceof TRPCClientError && error.data?.code === 'NOT_FOUND';

async function listAll(client: ThreadstoreClient, options: ChatOptions): Promise<StoredMessage[]> {
  const items: StoredMessage[] = [];
  let cursor: string | undefined;
  try {
    do {
      const page = await client.message.list.query({
        conversationId: options.chatId,
        userId: options.userId,
        limit: 100,
        cursor,
      });
      items.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
  } catch (error) {
    // A chat that was never saved has no history yet.
    if (isNotFound(error)) return [];
    throw error;
  }
  return items;
}

const UI_ROLES = new Set(['system', 'user', 'assistant']);

/** The stored message as the SDK has it: id, role, parts, and metadata when there is some. */
function toUIMessage<M extends UIMessage>(message: StoredMessage): M {
  return {
    id: message.id,
    role: message.role,
    parts: message.parts,
    ...(message.metadata === undefined ? {} : { metadata: message.metadata }),
  } as M;
}

/**
 * Every message of the chat, oldest first, as `UIMessage`s (all pages). A chat never saved is `[]`. Messages of
 * the `tool` role (the first seed's; `UIMessage` has no such role) are left out; they stay stored.
 */
export async function loadChat<M extends UIMessage = UIMessage>(
  client: ThreadstoreClient,
  options: ChatOptions,
): Promise<M[]> {
  const stored = await listAll(client, options);
  return stored.filter((message) => UI_ROLES.has(message.role)).map((message) => toUIMessage<M>(message));
}

export interface SaveChatOptions<M extends UIMessage> extends ChatOptions {
  messages: readonly M[];
}

export interface SaveChatResult {
  /** Ids of the messages stored for the first time. */
  appended: string[];
  /** Ids of the stored messages whose parts or metadata changed. */
  updated: string[];
}

/**
 * Saves a chat as the SDK hands it over (`onEnd`'s `messages`, or the messages a request brings): what is new
 * is appended in order, what changed (parts, metadata) is updated, the rest is left alone; saving the same
 * messages again changes nothing. Messages are never deleted here. A tool call's state only moves forward.
 */
export async function saveChat<M extends UIMessage>(
  client: ThreadstoreClient,
  options: SaveChatOptions<M>,
): Promise<SaveChatResult> {
  const stored = new Map((await listAll(client, options)).map((message) => [message.id, message]));
  const result: SaveChatResult = { appended: [], updated: [] };
  for (const message of options.messages) {
    const parts = message.parts as MessagePart[];
    const metadata = (message.metadata ?? null) as JsonValue;
    const existing = stored.get(message.id);
    if (!existing) {
      await client.message.append.mutate({
        id: message.id,
        conversationId: options.chatId,
        userId: options.userId,
        role: message.role,
        parts,
        metadata,
      });
      result.appended.push(message.id);
    } else if (
      canonical(existing.parts) !== canonical(parts) ||
      canonical(existing.metadata ?? null) !== canonical(metadata)
    ) {
      await client.message.update.mutate({ id: message.id, userId: options.userId, parts, metadata });
      result.updated.push(message.id);
    }
  }
  return result;
}

/**
 * The history to give the model: tool calls that never got an output (a stopped or failed stream left them in
 * input-streaming or input-available) are presented as `output-error` with `errorText`, so the next turn's
 * `convertToModelMessages` does not send a call without a result (vercel/ai#10638). What is stored stays as
 * it was streamed; only this copy changes.
 */
export function closeUnfinishedToolCalls<M extends UIMessage>(messages: readonly M[], errorText = 'aborted'): M[] {
  return messages.map((message) => {
    if (message.role !== 'assistant') return message;
    let changed = false;
    const parts = message.parts.map((part) => {
      const isTool = part.type === 'dynamic-tool' || part.type.startsWith('tool-');
      const state = (part as { state?: unknown }).state;
      if (!isTool || (state !== 'input-streaming' && state !== 'input-available')) return part;
      changed = true;
      const { rawInput: _raw, inputEncoding: _encoding, ...rest } = part as Record<string, unknown>;
      return { ...rest, state: 'output-error', errorText };
    });
    return changed ? ({ ...message, parts } as M) : message;
  });
}

export interface PersistStreamOptions<M extends UIMessage> extends ChatOptions {
  /**
   * The messages the turn started from, as given to `toUIMessageStream({ originalMessages })`: when the last
   * one is the assistant's, the stream continues it (the turn after a tool approval) and so does the stored one.
   */
  originalMessages?: readonly M[];
  /** The least time between two checkpoints; the end of the stream is always saved. Default 250 ms. */
  throttleMs?: number;
  /** Id for the reply when the stream's start chunk has none (the SDK's `generateId` by default). */
  generateMessageId?: () => string;
  /** A checkpoint that failed: the stream goes on, and the next checkpoint or the end saves it all again. */
  onCheckpointError?: (error: unknown) => void;
}

export interface PersistedStream<M extends UIMessage> {
  /** The stream to send to the browser (`createUIMessageStreamResponse({ stream })`). */
  stream: ReadableStream<UIMessageChunk>;
  /** The reply as stored once the stream ended: complete, aborted (stopped, or ended early) or error. */
  done: Promise<PersistedReply<M> | undefined>;
}

export interface PersistedReply<M extends UIMessage> {
  message: M;
  status: 'complete' | 'aborted' | 'error';
  /**
   * The stream's error chunk, when it ended in one. It is not stored in the message: the SDK's message does not
   * carry it either, and the stored message stays the one the browser has.
   */
  errorText?: string;
}

type Ending = { status: PersistedReply<UIMessage>['status']; errorText?: string };

/**
 * Persists a UI message stream while it flows: the reply is started (or, continuing, reopened) in threadstore,
 * checkpointed as it grows (throttled), and finished when the stream ends, with the status it ended in. The
 * stream handed back is the same chunks, for the browser; if the browser goes away the reply is still read to
 * its end and saved. A start chunk without a message id gets one, so the browser and the store agree on it.
 */
export function persistUIMessageStream<M extends UIMessage = UIMessage>(
  client: ThreadstoreClient,
  source: ReadableStream<UIMessageChunk>,
  options: PersistStreamOptions<M>,
): PersistedStream<M> {
  const newId = options.generateMessageId ?? generateId;
  let ending: Ending | undefined;
  const observed = source.pipeThrough(
    new TransformStream<UIMessageChunk, UIMessageChunk>({
      transform(chunk, controller) {
        if (chunk.type === 'start' && !chunk.messageId) {
          controller.enqueue({ ...chunk, messageId: newId() });
          return;
        }
        if (chunk.type === 'finish') ending ??= { status: 'complete' };
        else if (chunk.type === 'abort') ending = { status: 'aborted' };
        else if (chunk.type === 'error') ending = { status: 'error', errorText: chunk.errorText };
        controller.enqueue(chunk);
      },
    }),
  );
  const [toBrowser, toStore] = observed.tee();
  const stored = toStore.pipeThrough(startFirst(newId));
  const last = options.originalMessages?.at(-1);
  const continued = last?.role === 'assistant' ? last : undefined;
  const done = store<M>(client, stored, continued, options, () => ending);
  // The caller may only read `stream`; a failure to save still reaches `done`, never an unhandled rejection.
  done.catch(() => undefined);
  return { stream: toBrowser, done };
}

/**
 * Chunks written before the start chunk (`createUIMessageStream`'s writer can write data parts first) are held
 * back until it comes: `readUIMessageStream` would start the message over when its id arrives, where the browser's
 * `useChat` keeps them. A stream without a start chunk gets one.
 */
function startFirst(newId: () => string): TransformStream<UIMessageChunk, UIMessageChunk> {
  let held: UIMessageChunk[] | undefined = [];
  return new TransformStream({
    transform(chunk, controller) {
      if (!held) return controller.enqueue(chunk);
      if (chunk.type !== 'start') return void held.push(chunk);
      controller.enqueue(chunk);
      for (const early of held) controller.enqueue(early);
      held = undefined;
    },
    flush(controller) {
      if (!held || held.length === 0) return;
      controller.enqueue({ type: 'start', messageId: newId() });
      for (const early of held) controller.enqueue(early);
    },
  });
}

async function store<M extends UIMessage>(
  client: ThreadstoreClient,
  chunks: ReadableStream<UIMessageChunk>,
  continued: M | undefined,
  options: PersistStreamOptions<M>,
  ending: () => Ending | undefined,
): Promise<PersistedReply<M> | undefined> {
  const throttleMs = options.throttleMs ?? 250;
  let reply: Awaited<ReturnType<typeof startAssistantStream>> | undefined;
  let latest: M | undefined;
  let lastCheckpoint = 0;
  let inFlight: Promise<void> | undefined;
  // readUIMessageStream grows the message it is given in place: the caller's copy stays as it was.
  const messages = readUIMessageStream<M>({ stream: chunks, message: continued && structuredClone(continued) });
  for await (const message of messages) {
    latest = message;
    reply ??= await startAssistantStream(client, {
      conversationId: options.chatId,
      userId: options.userId,
      id: message.id,
      continue: continued !== undefined && continued.id === message.id,
    });
    if (!inFlight && Date.now() - lastCheckpoint >= throttleMs) {
      lastCheckpoint = Date.now();
      const parts = structuredClone(message.parts) as MessagePart[];
      inFlight = reply
        .checkpoint(parts)
        .catch((error: unknown) => options.onCheckpointError?.(error))
        .finally(() => {
          inFlight = undefined;
        });
    }
  }
  await inFlight;
  if (!reply || !latest) return undefined;
  // A stream that ends without its finish chunk was cut off.
  const { status, errorText } = ending() ?? { status: 'aborted' as const };
  const stored = await reply.finish(status, {
    parts: latest.parts as MessagePart[],
    ...(latest.metadata === undefined ? {} : { metadata: latest.metadata as JsonValue }),
  });
  return { message: toUIMessage<M>(stored), status, ...(errorText === undefined ? {} : { errorText }) };
}
