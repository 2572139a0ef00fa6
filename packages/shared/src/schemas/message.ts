import { z } from 'zod';
import { entityId, isoDate, type JsonValue, jsonValue, page, pageInput } from './common.ts';
import { type MessagePart, messagePart, messageParts } from './parts.ts';

export * from './parts.ts';

export const MESSAGE_ROLES = ['user', 'assistant', 'system', 'tool'] as const;
export const MESSAGE_STATUSES = ['streaming', 'complete', 'aborted', 'error'] as const;
export type MessageRole = (typeof MESSAGE_ROLES)[number];
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

/**
 * A message's metadata: any JSON value, as the AI SDK allows (its `UIMessage.metadata` is typed by the app).
 * `null` is no metadata: the message comes back without the field.
 */
const messageMetadata = jsonValue.nullable() as unknown as z.ZodType<JsonValue | null, JsonValue | null>;

export const messageRole = z.enum(MESSAGE_ROLES, { error: `role must be one of ${MESSAGE_ROLES.join(', ')}` });

/** A message as a writer sends it; `appendRound` takes two of these without `conversationId`. */
export const messageBody = z.object({
  id: entityId.optional(),
  role: messageRole,
  parts: messageParts,
  content: z.string().max(1_000_000).optional(),
  attachments: z.array(z.unknown()).max(1000).optional(),
  metadata: messageMetadata.optional(),
});
export type MessageBody = z.infer<typeof messageBody>;

export const messageAppendInput = messageBody.extend({ conversationId: entityId });
export const messageAppendRoundInput = z.object({
  conversationId: entityId,
  user: messageBody.extend({ role: z.literal('user').default('user') }),
  assistant: messageBody.extend({ role: z.literal('assistant').default('assistant') }),
});
export const messageListInput = pageInput.extend({
  conversationId: entityId,
  direction: z.enum(['older', 'newer']).default('newer'),
});
export const messageRecentInput = z.object({
  conversationId: entityId,
  hours: z
    .number()
    .positive()
    .max(24 * 366),
  limit: z.number().int().min(1).max(1000).default(1000),
});
export const messageIdInput = z.object({ id: entityId });
export const messageUpdateInput = z.object({
  id: entityId,
  parts: messageParts.optional(),
  content: z.string().max(1_000_000).optional(),
  attachments: z.array(z.unknown()).max(1000).nullable().optional(),
  /** `null` removes the metadata. */
  metadata: messageMetadata.optional(),
});
/**
 * Two objects merge, the given fields winning (as the AI SDK merges message metadata chunks); any other value
 * replaces what is stored.
 */
export function mergeMetadata(stored: JsonValue | undefined, given: JsonValue | undefined): JsonValue | undefined {
  if (given === undefined) return stored;
  const isObject = (value: unknown): value is Record<string, JsonValue> =>
    typeof value === 'object' && value !== null && !Array.isArray(value);
  return isObject(stored) && isObject(given) ? { ...stored, ...given } : given;
}

/**
 * `message.start`: an assistant message in status streaming. With `continue: true` it is the reply the AI SDK
 * streams into an existing message id (the turn after a tool approval): a finished message of that id goes back
 * to streaming with its parts (or the given ones, which keep every tool call), a streaming one is returned as
 * it is, and a missing one is started.
 */
export const messageStartInput = z
  .object({
    id: entityId.optional(),
    conversationId: entityId,
    parts: messageParts.default([]),
    metadata: messageMetadata.optional(),
    continue: z.boolean().default(false),
  })
  .refine((input) => !input.continue || input.id !== undefined, {
    path: ['id'],
    error: 'continue needs the id of the message to continue',
  });
export const messageAppendPartsInput = z.object({
  id: entityId,
  parts: z.array(messagePart).min(1).max(10_000),
  /** Where the first given part goes: parts from there on are replaced, so a retried checkpoint lands once. */
  index: z.number().int().min(0).optional(),
});
export const messageFinishInput = z.object({
  id: entityId,
  status: z.enum(['complete', 'aborted', 'error']),
  /** The final parts, replacing what was checkpointed; omit to keep the checkpoints. */
  parts: messageParts.optional(),
  errorText: z.string().max(10_000).optional(),
  /** Merged into the stored metadata (see `mergeMetadata`); `errorText` goes into it as a field. */
  metadata: messageMetadata.optional(),
});

/**
 * A stored message is a valid AI SDK `UIMessage` as it is: `id`, `role`, `parts`, and `metadata` only when there
 * is some; the other fields are threadstore's own. Ids come back exactly as they were given.
 */
export const messageDto = z.object({
  id: z.string(),
  conversationId: z.string(),
  role: z.enum(MESSAGE_ROLES),
  content: z.string().nullable(),
  parts: z.array(z.custom<MessagePart>()),
  attachments: z.array(z.unknown()).nullable(),
  metadata: z.custom<JsonValue>().optional(),
  status: z.enum(MESSAGE_STATUSES),
  createdAt: isoDate,
  updatedAt: isoDate,
});
export type MessageDto = z.infer<typeof messageDto>;
export const messagePage = page(messageDto);
export const appendRoundResult = z.object({ user: messageDto, assistant: messageDto });

/** `message.around`: the page of history around one message, to open a conversation at a search hit. */
export const messageAroundInput = messageIdInput.extend({
  /** Messages on each side of it. */
  limit: z.number().int().min(1).max(100).default(30),
});
/** In order; the cursors continue with `message.list` (`older` and `newer`), null at either end. */
export const messageAroundPage = z.object({
  items: z.array(messageDto),
  olderCursor: z.string().nullable(),
  newerCursor: z.string().nullable(),
});
