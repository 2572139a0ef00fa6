import { z } from 'zod';
import { jsonValue } from './common.ts';

// Message parts follow the AI SDK 7 `UIMessagePart` union (package `ai`, its index.d.ts is the reference; the
// test beside this file type-checks these schemas against it). Every part is a loose object: a field the SDK adds
// later is kept, never stripped. A part of a type this version does not know is kept as it is.

export const TOOL_STATES = [
  'input-streaming',
  'input-available',
  'approval-requested',
  'approval-responded',
  'output-available',
  'output-error',
  'output-denied',
] as const;
export type ToolState = (typeof TOOL_STATES)[number];

const toolCallId = z.string().min(1, { error: 'toolCallId must not be empty' }).max(255);
/** `Record<string, JSONObject>`: the provider's name, then its own fields. */
const providerMetadata = z.record(z.string(), z.record(z.string(), jsonValue.optional()));
const jsonObject = z.record(z.string(), jsonValue.optional());
const providerReference = z.record(z.string(), z.string());
const streamingState = z.enum(['streaming', 'done']);
const absent = z.never().optional();

const citationSource = z.discriminatedUnion('sourceType', [
  z.looseObject({
    type: z.literal('source'),
    sourceType: z.literal('url'),
    id: z.string(),
    url: z.string(),
    title: z.string().optional(),
    providerMetadata: providerMetadata.optional(),
  }),
  z.looseObject({
    type: z.literal('source'),
    sourceType: z.literal('document'),
    id: z.string(),
    mediaType: z.string(),
    title: z.string(),
    filename: z.string().optional(),
    providerMetadata: providerMetadata.optional(),
  }),
]);
const citation = z.looseObject({
  source: citationSource,
  startIndex: z.int().min(0).optional(),
  endIndex: z.int().min(0).optional(),
  citedText: z.string().optional(),
});

export const textPart = z.looseObject({
  type: z.literal('text'),
  text: z.string(),
  state: streamingState.optional(),
  citations: z.array(citation).optional(),
  providerMetadata: providerMetadata.optional(),
});
export const reasoningPart = z.looseObject({
  type: z.literal('reasoning'),
  id: z.string().optional(),
  text: z.string(),
  state: streamingState.optional(),
  providerMetadata: providerMetadata.optional(),
});
export const customPart = z.looseObject({
  type: z.literal('custom'),
  // Typed `{provider}.{type}` by the SDK, which takes any string at run time: so does threadstore.
  kind: z.custom<`${string}.${string}`>((value) => typeof value === 'string', { error: 'kind must be a string' }),
  providerMetadata: providerMetadata.optional(),
});
export const sourceUrlPart = z.looseObject({
  type: z.literal('source-url'),
  sourceId: z.string(),
  url: z.string().min(1),
  title: z.string().optional(),
  providerMetadata: providerMetadata.optional(),
});
export const sourceDocumentPart = z.looseObject({
  type: z.literal('source-document'),
  sourceId: z.string(),
  mediaType: z.string().min(1),
  title: z.string(),
  filename: z.string().optional(),
  providerMetadata: providerMetadata.optional(),
});
const fileFields = {
  type: z.literal('file'),
  mediaType: z.string().min(1, { error: 'mediaType must not be empty' }),
  url: z.string().min(1, { error: 'url must not be empty' }),
  filename: z.string().optional(),
  providerReference: providerReference.optional(),
  providerMetadata: providerMetadata.optional(),
};
export const filePart = z.looseObject(fileFields);
export const reasoningFilePart = z.looseObject({
  type: z.literal('reasoning-file'),
  mediaType: z.string().min(1, { error: 'mediaType must not be empty' }),
  url: z.string().min(1, { error: 'url must not be empty' }),
  providerMetadata: providerMetadata.optional(),
});
export const stepStartPart = z.looseObject({ type: z.literal('step-start') });
/** Experimental in the SDK: a user message steered into the run while the reply was generated. */
export const steeringMessagePart = z.looseObject({
  type: z.literal('steering-message'),
  id: z.string(),
  parts: z.array(
    z.discriminatedUnion('type', [
      z.looseObject({ type: z.literal('text'), text: z.string(), providerMetadata: providerMetadata.optional() }),
      z.looseObject(fileFields),
    ]),
  ),
});
export const dataPart = z.looseObject({
  type: z.templateLiteral(['data-', z.string().min(1)]),
  id: z.string().optional(),
  data: z.unknown(),
});

// Tool approval (the SDK's human-in-the-loop): requested, then answered; a granted call goes on to an output,
// a denied one ends in output-denied.
const approvalRequested = z.looseObject({
  id: z.string(),
  approved: absent,
  descriptor: z.unknown().optional(),
  requestReason: z.string().optional(),
  reason: absent,
  isAutomatic: z.boolean().optional(),
  signature: z.string().optional(),
  inputSchemaInput: z.unknown().optional(),
});
const approvalResponded = approvalRequested.extend({ approved: z.boolean(), reason: z.string().optional() });
const approvalGranted = approvalResponded.extend({ approved: z.literal(true) });
const approvalDenied = approvalResponded.extend({ approved: z.literal(false) });

const noOutput = { output: absent, errorText: absent };
/** The fields of each state, as `UIToolInvocation` has them. */
const toolStates = [
  {
    state: z.literal('input-streaming'),
    input: z.unknown().optional(),
    rawInput: z.string().optional(),
    inputEncoding: z.enum(['json', 'text']).optional(),
    ...noOutput,
    callProviderMetadata: providerMetadata.optional(),
    approval: absent,
  },
  {
    state: z.literal('input-available'),
    input: z.unknown(),
    ...noOutput,
    callProviderMetadata: providerMetadata.optional(),
    approval: absent,
  },
  {
    state: z.literal('approval-requested'),
    input: z.unknown(),
    ...noOutput,
    callProviderMetadata: providerMetadata.optional(),
    approval: approvalRequested,
  },
  {
    state: z.literal('approval-responded'),
    input: z.unknown(),
    ...noOutput,
    callProviderMetadata: providerMetadata.optional(),
    approval: approvalResponded,
  },
  {
    state: z.literal('output-available'),
    input: z.unknown(),
    output: z.unknown(),
    errorText: absent,
    callProviderMetadata: providerMetadata.optional(),
    resultProviderMetadata: providerMetadata.optional(),
    preliminary: z.boolean().optional(),
    approval: approvalGranted.optional(),
  },
  {
    state: z.literal('output-error'),
    // Required in the SDK's type, possibly missing at run time (a call that failed before its input was known).
    input: z.unknown(),
    rawInput: z.unknown().optional(),
    output: absent,
    errorText: z.string({ error: 'a tool part in output-error needs errorText' }),
    callProviderMetadata: providerMetadata.optional(),
    resultProviderMetadata: providerMetadata.optional(),
    approval: approvalGranted.optional(),
  },
  {
    state: z.literal('output-denied'),
    input: z.unknown(),
    ...noOutput,
    callProviderMetadata: providerMetadata.optional(),
    approval: approvalDenied,
  },
] as const;

const invocationFields = {
  toolCallId,
  title: z.string().optional(),
  toolMetadata: jsonObject.optional(),
  providerExecuted: z.boolean().optional(),
};
type Shape = z.core.$ZodLooseShape;

/** The seven states of one kind of tool part, as a union on `state`. */
function toolUnion<
  Head extends Shape,
  S0 extends Shape,
  S1 extends Shape,
  S2 extends Shape,
  S3 extends Shape,
  S4 extends Shape,
  S5 extends Shape,
  S6 extends Shape,
>(head: Head, states: readonly [S0, S1, S2, S3, S4, S5, S6]) {
  const variant = <Fields extends Shape>(fields: Fields) => z.looseObject({ ...head, ...invocationFields, ...fields });
  const [streaming, available, requested, responded, output, error, denied] = states;
  return z.discriminatedUnion(
    'state',
    [
      variant(streaming),
      variant(available),
      variant(requested),
      variant(responded),
      variant(output),
      variant(error),
      variant(denied),
    ],
    { error: `state must be one of ${TOOL_STATES.join(', ')}` },
  );
}

/** `tool-<name>`: a call of a static tool; the name is in the type. */
export const toolPart = toolUnion({ type: z.templateLiteral(['tool-', z.string().min(1)]) }, toolStates);
// The SDK's dynamic-tool parts never had output-error's deprecated `rawInput` (a loose object keeps it all the same).
const { rawInput: _deprecated, ...dynamicOutputError } = toolStates[5];
const [streaming, available, requested, responded, output, , denied] = toolStates;
/** `dynamic-tool`: a call of a tool whose schema is not known in advance. */
export const dynamicToolPart = toolUnion(
  {
    type: z.literal('dynamic-tool'),
    dynamic: z.literal(false).optional(),
    toolName: z.string().min(1, { error: 'toolName must not be empty' }),
  },
  [streaming, available, requested, responded, output, dynamicOutputError, denied],
);

/**
 * The first seed's separate result part, pointing back at a tool call of the same message. It has no `state`:
 * a `tool-result` part WITH one is the ordinary part of a tool named `result`.
 */
export const toolResultPart = z.looseObject({
  type: z.literal('tool-result'),
  toolCallId,
  toolName: z.string().optional(),
  output: z.unknown(),
});
/** A part type this version does not know yet: kept as it is, so newer agents never lose data. */
export const unknownPart = z.looseObject({ type: z.string().min(1, { error: 'type must not be empty' }) });

export type TextPart = z.infer<typeof textPart>;
export type ReasoningPart = z.infer<typeof reasoningPart>;
export type CustomPart = z.infer<typeof customPart>;
export type SourceUrlPart = z.infer<typeof sourceUrlPart>;
export type SourceDocumentPart = z.infer<typeof sourceDocumentPart>;
export type FilePart = z.infer<typeof filePart>;
export type ReasoningFilePart = z.infer<typeof reasoningFilePart>;
export type StepStartPart = z.infer<typeof stepStartPart>;
export type SteeringMessagePart = z.infer<typeof steeringMessagePart>;
export type DataPart = z.infer<typeof dataPart>;
export type ToolPart = z.infer<typeof toolPart>;
export type DynamicToolPart = z.infer<typeof dynamicToolPart>;
export type ToolResultPart = z.infer<typeof toolResultPart>;
export type UnknownPart = z.infer<typeof unknownPart>;
export type ToolCallPart = ToolPart | DynamicToolPart;
export type MessagePart =
  | TextPart
  | ReasoningPart
  | CustomPart
  | SourceUrlPart
  | SourceDocumentPart
  | FilePart
  | ReasoningFilePart
  | StepStartPart
  | SteeringMessagePart
  | DataPart
  | ToolPart
  | DynamicToolPart
  | ToolResultPart
  | UnknownPart;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The seed's result part: `tool-result` without a `state`. */
export function isSeedToolResult(part: { type: string }): part is ToolResultPart {
  return part.type === 'tool-result' && !('state' in part);
}

export function isToolCallPart(part: { type: string }): part is ToolCallPart {
  return part.type === 'dynamic-tool' || (part.type.startsWith('tool-') && !isSeedToolResult(part));
}

const STATIC_PARTS: Record<string, z.ZodType> = {
  text: textPart,
  reasoning: reasoningPart,
  custom: customPart,
  'source-url': sourceUrlPart,
  'source-document': sourceDocumentPart,
  file: filePart,
  'reasoning-file': reasoningFilePart,
  'step-start': stepStartPart,
  'steering-message': steeringMessagePart,
  'dynamic-tool': dynamicToolPart,
};

function schemaFor(part: { type: string }): z.ZodType {
  const known = Object.hasOwn(STATIC_PARTS, part.type) ? STATIC_PARTS[part.type] : undefined;
  if (known) return known;
  if (isSeedToolResult(part)) return toolResultPart;
  if (part.type.startsWith('tool-')) return toolPart;
  if (part.type.startsWith('data-')) return dataPart;
  return unknownPart;
}

/** The tool's name: `dynamic-tool` and the seed's parts carry it, `tool-<name>` parts carry it in their type. */
export function toolNameOf(part: ToolCallPart | ToolResultPart): string {
  if ('toolName' in part && typeof part.toolName === 'string' && part.toolName.length > 0) return part.toolName;
  return isToolCallPart(part) && part.type !== 'dynamic-tool' ? part.type.slice('tool-'.length) : '';
}

const TOOL_STATE_RANK: Record<ToolState, number> = {
  'input-streaming': 0,
  'input-available': 1,
  'approval-requested': 2,
  'approval-responded': 3,
  'output-available': 4,
  'output-error': 4,
  'output-denied': 4,
};

/** A tool part only moves forward through its states; the three outcomes are final. */
export function isToolStateAdvance(from: ToolState, to: ToolState): boolean {
  if (from === to) return true;
  return TOOL_STATE_RANK[to] > TOOL_STATE_RANK[from];
}

/**
 * Whether `after` may replace `before` (the same call): forward only, and a preliminary output (a streaming
 * tool's partial result) may still end in any outcome.
 */
export function isToolPartAdvance(before: ToolCallPart, after: ToolCallPart): boolean {
  if (before.state === 'output-available' && before.preliminary === true) return TOOL_STATE_RANK[after.state] === 4;
  return isToolStateAdvance(before.state, after.state);
}

/** One part: checked against the schema of its type. Typed as a `MessagePart` on both sides for callers. */
export const messagePart = z
  .unknown()
  .superRefine((value, ctx) => {
    if (!isObject(value) || typeof value.type !== 'string') {
      ctx.addIssue({ code: 'custom', path: ['type'], message: 'type must be a string', input: value });
      return;
    }
    const result = schemaFor(value as { type: string }).safeParse(value);
    if (!result.success) for (const issue of result.error.issues) ctx.addIssue({ ...issue, path: issue.path });
  })
  .transform((value) => value as MessagePart) as unknown as z.ZodType<MessagePart, MessagePart>;

/** One message's parts as a whole: each tool call appears once, the seed's results point at calls made before. */
export const messageParts = z
  .array(messagePart)
  .max(10_000)
  .superRefine((parts, ctx) => {
    // zod runs this even when a part failed its own check; a part that is not even an object was reported there.
    if (!parts.every((part) => isObject(part) && typeof part.type === 'string')) return;
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
      } else if (isSeedToolResult(part) && !started.has(part.toolCallId)) {
        ctx.addIssue({
          code: 'custom',
          path: [index, 'toolCallId'],
          message: `tool-result for ${part.toolCallId}, a tool call this message never started`,
        });
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
