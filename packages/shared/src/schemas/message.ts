import { z } from 'zod';
import { isoDate, jsonObject, page, pageInput, uuid } from './common.ts';

export const MESSAGE_ROLES = ['user', 'assistant', 'system', 'tool'] as const;
export const MESSAGE_STATUSES = ['streaming', 'complete', 'aborted', 'error'] as const;
export const TOOL_STATES = ['input-streaming', 'input-available', 'output-available', 'output-error'] as const;
export type MessageRole = (typeof MESSAGE_ROLES)[number];
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];
export type ToolState = (typeof TOOL_STATES)[number];

const toolCallId = z.string().min(1, { error: 'toolCallId must not be empty' }).max(255);
const toolState = z.enum(TOOL_STATES);

// Parts are loose objects: fields the AI SDK adds later (providerMetadata, ...) are kept, not stripped.
export const textPart = z.looseObject({
  type: z.literal('text'),
  text: z.string(),
  state: z.enum(['streaming', 'done']).optional(),
});
export const reasoningPart = z.looseObject({
  type: z.literal('reasoning'),
  text: z.string(),
  state: z.enum(['streaming', 'done']).optional(),
});
const toolFields = {
  toolCallId,
  state: toolState,
  input: z.unknown().optional(),
  output: z.unknown().optional(),
  errorText: z.string().optional(),
  providerExecuted: z.boolean().optional(),
};
export const toolPart = z.looseObject({
  type: z.templateLiteral(['tool-', z.string().min(1)]),
  toolName: z.string().optional(),
  ...toolFields,
});
export const dynamicToolPart = z.looseObject({
  type: z.literal('dynamic-tool'),
  toolName: z.string().min(1, { error: 'toolName must not be empty' }),
  ...toolFields,
});
/** The first seed's separate result part, pointing back at a tool call of the same message. */
export const toolResultPart = z.looseObject({
  type: z.literal('tool-result'),
  toolCallId,
  toolName: z.string().optional(),
  output: z.unknown(),
});
export const sourceUrlPart = z.looseObject({
  type: z.literal('source-url'),
  sourceId: z.string(),
  url: z.string().min(1),
  title: z.string().optional(),
});
export const sourceDocumentPart = z.looseObject({
  type: z.literal('source-document'),
  sourceId: z.string(),
  mediaType: z.string().min(1),
  title: z.string(),
  filename: z.string().optional(),
});
export const filePart = z.looseObject({
  type: z.literal('file'),
  mediaType: z.string().min(1, { error: 'mediaType must not be empty' }),
  url: z.string().min(1, { error: 'url must not be empty' }),
  filename: z.string().optional(),
});
export const stepStartPart = z.looseObject({ type: z.literal('step-start') });
export const dataPart = z.looseObject({
  type: z.templateLiteral(['data-', z.string().min(1)]),
  id: z.string().optional(),
  data: z.unknown(),
});
/** A part type this version does not know yet: kept as it is, so newer agents never lose data. */
export const unknownPart = z.looseObject({ type: z.string().min(1, { error: 'type must not be empty' }) });

export type TextPart = z.infer<typeof textPart>;
export type ReasoningPart = z.infer<typeof reasoningPart>;
export type ToolPart = z.infer<typeof toolPart>;
export type DynamicToolPart = z.infer<typeof dynamicToolPart>;
export type ToolResultPart = z.infer<typeof toolResultPart>;
export type FilePart = z.infer<typeof filePart>;
export type MessagePart =
  | TextPart
  | ReasoningPart
  | ToolPart
  | DynamicToolPart
  | ToolResultPart
  | z.infer<typeof sourceUrlPart>
  | z.infer<typeof sourceDocumentPart>
  | FilePart
  | z.infer<typeof stepStartPart>
  | z.infer<typeof dataPart>
  | z.infer<typeof unknownPart>;

function schemaForType(type: string): z.ZodType {
  switch (type) {
    case 'text':
      return textPart;
    case 'reasoning':
      return reasoningPart;
    case 'dynamic-tool':
      return dynamicToolPart;
    case 'tool-result':
      return toolResultPart;
    case 'source-url':
      return sourceUrlPart;
    case 'source-document':
      return sourceDocumentPart;
    case 'file':
      return filePart;
    case 'step-start':
      return stepStartPart;
  }
  if (type.startsWith('tool-')) return toolPart;
  if (type.startsWith('data-')) return dataPart;
  return unknownPart;
}

export function isToolCallPart(part: MessagePart): part is ToolPart | DynamicToolPart {
  return part.type === 'dynamic-tool' || (part.type.startsWith('tool-') && part.type !== 'tool-result');
}

/** The tool's name: `dynamic-tool` and the seed's parts carry it, `tool-<name>` parts carry it in their type. */
export function toolNameOf(part: ToolPart | DynamicToolPart | ToolResultPart): string {
  if (typeof part.toolName === 'string' && part.toolName.length > 0) return part.toolName;
  return part.type.startsWith('tool-') && part.type !== 'tool-result' ? part.type.slice('tool-'.length) : '';
}

const TOOL_STATE_RANK: Record<ToolState, number> = {
  'input-streaming': 0,
  'input-available': 1,
  'output-available': 2,
  'output-error': 2,
};

/** A tool part may only move forward through its states; both outcomes are final. */
export function isToolStateAdvance(from: ToolState, to: ToolState): boolean {
  if (from === to) return true;
  return TOOL_STATE_RANK[to] > TOOL_STATE_RANK[from];
}

export const messagePart = z
  .looseObject({ type: z.string({ error: 'type must be a string' }) })
  .superRefine((value, ctx) => {
    const result = schemaForType(value.type).safeParse(value);
    if (!result.success) for (const issue of result.error.issues) ctx.addIssue({ ...issue, path: issue.path });
  })
  .transform((value) => value as MessagePart);

/** Validates one message's parts as a whole: tool parts follow their states, results point at calls made before. */
export const messageParts = z
  .array(messagePart)
  .max(10_000)
  .superRefine((parts, ctx) => {
    const started = new Set<string>();
    parts.forEach((part, index) => {
      if (isToolCallPart(part)) {
        if (started.has(part.toolCallId)) {
          ctx.addIssue({
            code: 'custom',
            path: [index, 'toolCallId'],
            message: `tool call ${part.toolCallId} appears twice; update its part instead`,
          });
        }
        started.add(part.toolCallId);
        if (part.state === 'output-error' && typeof part.errorText !== 'string') {
          ctx.addIssue({
            code: 'custom',
            path: [index, 'errorText'],
            message: 'a tool part in output-error needs errorText',
          });
        }
        if (part.state === 'output-available' && !('output' in part)) {
          ctx.addIssue({
            code: 'custom',
            path: [index, 'output'],
            message: 'a tool part in output-available needs output',
          });
        }
        if ((part.state === 'input-streaming' || part.state === 'input-available') && part.output !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: [index, 'output'],
            message: `a tool part in ${part.state} cannot carry an output yet`,
          });
        }
      } else if (part.type === 'tool-result') {
        const result = part as ToolResultPart;
        if (!started.has(result.toolCallId)) {
          ctx.addIssue({
            code: 'custom',
            path: [index, 'toolCallId'],
            message: `tool-result for ${result.toolCallId}, a tool call this message never started`,
          });
        }
      }
    });
  });

/** Plain text of a message: its text parts, in order. Stored in `content` when the writer gives none. */
export function deriveContent(parts: readonly MessagePart[]): string {
  return parts
    .filter((part): part is TextPart => part.type === 'text')
    .map((part) => part.text)
    .join('\n');
}

export const messageRole = z.enum(MESSAGE_ROLES, { error: `role must be one of ${MESSAGE_ROLES.join(', ')}` });

/** A message as a writer sends it; `appendRound` takes two of these without `conversationId`. */
export const messageBody = z.object({
  id: uuid.optional(),
  role: messageRole,
  parts: messageParts,
  content: z.string().max(1_000_000).optional(),
  attachments: z.array(z.unknown()).max(1000).optional(),
  metadata: jsonObject.optional(),
});
export type MessageBody = z.infer<typeof messageBody>;

export const messageAppendInput = messageBody.extend({ conversationId: uuid });
export const messageAppendRoundInput = z.object({
  conversationId: uuid,
  user: messageBody.extend({ role: z.literal('user').default('user') }),
  assistant: messageBody.extend({ role: z.literal('assistant').default('assistant') }),
});
export const messageListInput = pageInput.extend({
  conversationId: uuid,
  direction: z.enum(['older', 'newer']).default('newer'),
});
export const messageRecentInput = z.object({
  conversationId: uuid,
  hours: z
    .number()
    .positive()
    .max(24 * 366),
  limit: z.number().int().min(1).max(1000).default(1000),
});
export const messageIdInput = z.object({ id: uuid });
export const messageUpdateInput = z.object({
  id: uuid,
  parts: messageParts.optional(),
  content: z.string().max(1_000_000).optional(),
  attachments: z.array(z.unknown()).max(1000).nullable().optional(),
  metadata: jsonObject.nullable().optional(),
});
export const messageStartInput = z.object({
  id: uuid.optional(),
  conversationId: uuid,
  parts: messageParts.default([]),
  metadata: jsonObject.optional(),
});
export const messageAppendPartsInput = z.object({
  id: uuid,
  parts: z.array(messagePart).min(1).max(10_000),
  /** Where the first given part goes: parts from there on are replaced, so a retried checkpoint lands once. */
  index: z.number().int().min(0).optional(),
});
export const messageFinishInput = z.object({
  id: uuid,
  status: z.enum(['complete', 'aborted', 'error']),
  /** The final parts, replacing what was checkpointed; omit to keep the checkpoints. */
  parts: messageParts.optional(),
  errorText: z.string().max(10_000).optional(),
  metadata: jsonObject.optional(),
});

export const messageDto = z.object({
  id: uuid,
  conversationId: uuid,
  role: z.enum(MESSAGE_ROLES),
  content: z.string().nullable(),
  parts: z.array(z.custom<MessagePart>()),
  attachments: z.array(z.unknown()).nullable(),
  metadata: jsonObject.nullable(),
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
