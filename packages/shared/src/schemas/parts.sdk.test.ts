import type {
  CustomContentUIPart,
  DataUIPart,
  DynamicToolUIPart,
  FileUIPart,
  ReasoningFileUIPart,
  ReasoningUIPart,
  SourceDocumentUIPart,
  SourceUrlUIPart,
  Experimental_SteeringMessageUIPart as SteeringMessageUIPart,
  StepStartUIPart,
  TextUIPart,
  ToolUIPart,
  UIDataTypes,
  UIMessagePart,
  UITools,
} from 'ai';
import { safeValidateUIMessages } from 'ai';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { z } from 'zod';
import {
  type customPart,
  type dataPart,
  type dynamicToolPart,
  type filePart,
  isToolCallPart,
  isToolPartAdvance,
  isToolStateAdvance,
  type MessagePart,
  messagePart,
  messageParts,
  type reasoningFilePart,
  type reasoningPart,
  type sourceDocumentPart,
  type sourceUrlPart,
  type steeringMessagePart,
  type stepStartPart,
  TOOL_STATES,
  type ToolCallPart,
  type textPart,
  toolNameOf,
  type toolPart,
} from './message.ts';
import { everyAssistantPart, everyUserPart } from './parts.fixtures.ts';

// Drift between these schemas and the installed SDK fails `pnpm typecheck`: each SDK part type must be accepted
// by its schema (what the SDK makes, threadstore takes) and each schema's output must be that SDK type (what
// threadstore returns is a valid part as it is). Runtime checks below hold the same for hand-built parts.
/** Every key any member of a union has (`keyof` of a union gives only the shared ones). */
type AllKeys<T> = T extends unknown ? keyof T : never;
/** The keys a schema names (a loose object's index signature aside), per member of a discriminated union. */
type ShapeKeys<S> = S extends { options: readonly (infer Option)[] }
  ? Option extends { shape: infer Shape }
    ? keyof Shape
    : never
  : S extends { shape: infer Shape }
    ? keyof Shape
    : never;
type OptionWithState<S, State> = S extends { options: readonly (infer Option)[] }
  ? Option extends z.ZodType
    ? z.output<Option> extends { state: State }
      ? Option
      : never
    : never
  : never;
/** The keys of one tool state: the SDK's and the schema's must be the same, so a field added or dropped shows. */
type SdkStateKeys<Part, State> = AllKeys<Extract<Part, { state: State }>>;
type SchemaStateKeys<S, State> = ShapeKeys<OptionWithState<S, State>>;
type State = (typeof TOOL_STATES)[number];
type SchemaKeysByState<S> = { [Each in State]: SchemaStateKeys<S, Each> };
type SdkKeysByState<Part> = { [Each in State]: SdkStateKeys<Part, Each> };

type Tools = { weather: { input: { city: string }; output: { celsius: number } } };
type Data = { progress: { percent: number } };

describe('parts follow the AI SDK UIMessagePart union', () => {
  it('type-checks both ways against the SDK part types', () => {
    expectTypeOf<TextUIPart>().toExtend<z.input<typeof textPart>>();
    expectTypeOf<z.output<typeof textPart>>().toExtend<TextUIPart>();
    expectTypeOf<ReasoningUIPart>().toExtend<z.input<typeof reasoningPart>>();
    expectTypeOf<z.output<typeof reasoningPart>>().toExtend<ReasoningUIPart>();
    expectTypeOf<CustomContentUIPart>().toExtend<z.input<typeof customPart>>();
    expectTypeOf<z.output<typeof customPart>>().toExtend<CustomContentUIPart>();
    expectTypeOf<SourceUrlUIPart>().toExtend<z.input<typeof sourceUrlPart>>();
    expectTypeOf<z.output<typeof sourceUrlPart>>().toExtend<SourceUrlUIPart>();
    expectTypeOf<SourceDocumentUIPart>().toExtend<z.input<typeof sourceDocumentPart>>();
    expectTypeOf<z.output<typeof sourceDocumentPart>>().toExtend<SourceDocumentUIPart>();
    expectTypeOf<FileUIPart>().toExtend<z.input<typeof filePart>>();
    expectTypeOf<z.output<typeof filePart>>().toExtend<FileUIPart>();
    expectTypeOf<ReasoningFileUIPart>().toExtend<z.input<typeof reasoningFilePart>>();
    expectTypeOf<z.output<typeof reasoningFilePart>>().toExtend<ReasoningFileUIPart>();
    expectTypeOf<SteeringMessageUIPart>().toExtend<z.input<typeof steeringMessagePart>>();
    expectTypeOf<z.output<typeof steeringMessagePart>>().toExtend<SteeringMessageUIPart>();
    expectTypeOf<StepStartUIPart>().toExtend<z.input<typeof stepStartPart>>();
    expectTypeOf<z.output<typeof stepStartPart>>().toExtend<StepStartUIPart>();
    expectTypeOf<DataUIPart<Data>>().toExtend<z.input<typeof dataPart>>();
    expectTypeOf<z.output<typeof dataPart>>().toExtend<DataUIPart<UIDataTypes>>();
    expectTypeOf<ToolUIPart<Tools>>().toExtend<z.input<typeof toolPart>>();
    expectTypeOf<ToolUIPart<UITools>>().toExtend<z.input<typeof toolPart>>();
    expectTypeOf<z.output<typeof toolPart>>().toExtend<ToolUIPart<UITools>>();
    expectTypeOf<DynamicToolUIPart>().toExtend<z.input<typeof dynamicToolPart>>();
    expectTypeOf<z.output<typeof dynamicToolPart>>().toExtend<DynamicToolUIPart>();
    // Field by field: a field the SDK adds or drops fails here, not only one whose type changes.
    expectTypeOf<ShapeKeys<typeof textPart>>().toEqualTypeOf<AllKeys<TextUIPart>>();
    expectTypeOf<ShapeKeys<typeof reasoningPart>>().toEqualTypeOf<AllKeys<ReasoningUIPart>>();
    expectTypeOf<ShapeKeys<typeof customPart>>().toEqualTypeOf<AllKeys<CustomContentUIPart>>();
    expectTypeOf<ShapeKeys<typeof sourceUrlPart>>().toEqualTypeOf<AllKeys<SourceUrlUIPart>>();
    expectTypeOf<ShapeKeys<typeof sourceDocumentPart>>().toEqualTypeOf<AllKeys<SourceDocumentUIPart>>();
    expectTypeOf<ShapeKeys<typeof filePart>>().toEqualTypeOf<AllKeys<FileUIPart>>();
    expectTypeOf<ShapeKeys<typeof reasoningFilePart>>().toEqualTypeOf<AllKeys<ReasoningFileUIPart>>();
    expectTypeOf<ShapeKeys<typeof steeringMessagePart>>().toEqualTypeOf<AllKeys<SteeringMessageUIPart>>();
    expectTypeOf<ShapeKeys<typeof stepStartPart>>().toEqualTypeOf<AllKeys<StepStartUIPart>>();
    expectTypeOf<ShapeKeys<typeof dataPart>>().toEqualTypeOf<AllKeys<DataUIPart<Data>>>();
    expectTypeOf<SchemaKeysByState<typeof toolPart>>().toEqualTypeOf<SdkKeysByState<ToolUIPart<Tools>>>();
    expectTypeOf<SchemaKeysByState<typeof dynamicToolPart>>().toEqualTypeOf<SdkKeysByState<DynamicToolUIPart>>();
    // The seven states, no more and no fewer.
    expectTypeOf<State>().toEqualTypeOf<DynamicToolUIPart['state']>();
    // The union as a whole: every SDK part is a MessagePart.
    expectTypeOf<UIMessagePart<Data, Tools>>().toExtend<MessagePart>();
  });
});

const sdkAccepts = async (parts: unknown[]) =>
  (await safeValidateUIMessages({ messages: [{ id: 'm1', role: 'assistant', parts }] })).success;

describe('parts of every type, tool parts in every state', () => {
  it('are kept exactly, and the SDK takes each of them', async () => {
    expect(messageParts.parse(everyAssistantPart)).toEqual(everyAssistantPart);
    expect(messageParts.parse(everyUserPart)).toEqual(everyUserPart);
    for (const part of [...everyAssistantPart, ...everyUserPart]) {
      expect(messagePart.parse(part)).toEqual(part);
      expect(await sdkAccepts([part]), part.type).toBe(true);
    }
    const states = new Set(
      everyAssistantPart.flatMap((part) => ('state' in part && 'toolCallId' in part ? [part.state] : [])),
    );
    expect([...states].sort()).toEqual([...TOOL_STATES].sort());
  });

  it('keeps fields it does not know, on known and unknown part types', () => {
    const parts = [
      { type: 'text', text: 'hi', futureField: { nested: [1, 2] } },
      { type: 'tool-search', toolCallId: 'c1', state: 'input-available', input: {}, futureField: 1 },
      { type: 'x-widget', payload: { a: 1 } },
    ];
    expect(messageParts.parse(parts)).toEqual(parts);
  });

  const call = { type: 'tool-weather', toolCallId: 'c1', input: { city: 'Paris' } };
  it.each([
    ['approval-requested without its approval', { ...call, state: 'approval-requested' }],
    [
      'approval-requested already answered',
      { ...call, state: 'approval-requested', approval: { id: 'a', approved: true } },
    ],
    ['approval-responded without an answer', { ...call, state: 'approval-responded', approval: { id: 'a' } }],
    ['output-denied that was approved', { ...call, state: 'output-denied', approval: { id: 'a', approved: true } }],
    [
      'output-available after a denial',
      { ...call, state: 'output-available', output: 1, approval: { id: 'a', approved: false } },
    ],
    ['output-error without errorText', { ...call, state: 'output-error' }],
    ['an output before the call is made', { ...call, state: 'input-available', output: 'too early' }],
    ['an unknown state', { ...call, state: 'finished' }],
    ['a custom part without its kind', { type: 'custom', kind: 5 }],
  ])('refuses %s, as the SDK does', async (_name, part) => {
    expect(messagePart.safeParse(part).success).toBe(false);
    expect(await sdkAccepts([part])).toBe(false);
  });

  it('names the field that is wrong', () => {
    const result = messageParts.safeParse([{ ...call, state: 'approval-requested' }]);
    expect(result.error?.issues.map((issue) => issue.path.join('.'))).toEqual(['0.approval']);
  });

  it('reads tool-result as the seed did only without a state', () => {
    // A tool named `result`: an ordinary tool part, in any state, with no earlier call.
    const named = {
      type: 'tool-result',
      toolCallId: 'call-r',
      state: 'approval-requested',
      input: {},
      approval: { id: 'a' },
    };
    expect(messageParts.parse([named])).toEqual([named]);
    expect(isToolCallPart(named)).toBe(true);
    expect(toolNameOf(named as ToolCallPart)).toBe('result');
    // The seed's result part points back at a call of the same message.
    const seed = { type: 'tool-result', toolCallId: 'call-s', output: 'done' };
    expect(isToolCallPart(seed)).toBe(false);
    expect(messageParts.safeParse([seed]).error?.issues[0]?.message).toBe(
      'tool-result for call-s, a tool call this message never started',
    );
    const started = { type: 'tool-search', toolCallId: 'call-s', state: 'input-available', input: {} };
    expect(messageParts.parse([started, seed])).toEqual([started, seed]);
  });
});

describe('tool state order', () => {
  const rank = (state: State) =>
    ({
      'input-streaming': 0,
      'input-available': 1,
      'approval-requested': 2,
      'approval-responded': 3,
      'output-available': 4,
      'output-error': 4,
      'output-denied': 4,
    })[state];
  it('goes forward only, through the approval states, to one final outcome', () => {
    for (const from of TOOL_STATES) {
      for (const to of TOOL_STATES) {
        expect(isToolStateAdvance(from, to), `${from} -> ${to}`).toBe(from === to || rank(to) > rank(from));
      }
    }
    const path: State[] = ['input-available', 'approval-requested', 'approval-responded', 'output-denied'];
    for (const [index, state] of path.entries())
      if (index > 0) expect(isToolStateAdvance(path[index - 1] as State, state)).toBe(true);
    expect(isToolStateAdvance('approval-responded', 'approval-requested')).toBe(false);
    expect(isToolStateAdvance('output-denied', 'output-available')).toBe(false);
  });

  it('lets a preliminary output end in any outcome', () => {
    const preliminary = {
      type: 'tool-w',
      toolCallId: 'c',
      state: 'output-available',
      input: {},
      output: 1,
      preliminary: true,
    } as ToolCallPart;
    const failed = {
      type: 'tool-w',
      toolCallId: 'c',
      state: 'output-error',
      input: {},
      errorText: 'x',
    } as ToolCallPart;
    expect(isToolPartAdvance(preliminary, failed)).toBe(true);
    expect(isToolPartAdvance({ ...preliminary, preliminary: false } as ToolCallPart, failed)).toBe(false);
  });
});
