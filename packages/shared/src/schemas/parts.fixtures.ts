import type { UIMessagePart } from 'ai';

// Hand-built parts of every type the AI SDK 7 defines, tool parts in every state with every optional field: for
// tests that store them through each write path and read them back.

export type FixtureTools = {
  weather: { input: { city: string }; output: { celsius: number } };
  result: { input: { id: string }; output: string };
};
export type FixtureData = { progress: { percent: number } };
export type FixturePart = UIMessagePart<FixtureData, FixtureTools>;

const providerMetadata = { openai: { itemId: 'item_1', cached: true, usage: { tokens: 3 }, list: [1, null] } };
const approval = { id: 'approval-1', descriptor: { kind: 'confirm' }, requestReason: 'sends money', signature: 'sig' };

/** One call of `tool-weather` per state, and the same for `dynamic-tool`; every call has its own id. */
function toolCalls(kind: 'static' | 'dynamic'): FixturePart[] {
  const head = (id: string) =>
    kind === 'static'
      ? ({ type: 'tool-weather', toolCallId: `${kind}-${id}` } as const)
      : ({ type: 'dynamic-tool', toolName: 'lookup', toolCallId: `${kind}-${id}` } as const);
  const common = { title: 'Weather', toolMetadata: { source: 'fixture' }, providerExecuted: false };
  const input = { city: 'Paris' };
  return [
    {
      ...head('streaming'),
      ...common,
      state: 'input-streaming',
      input: { city: 'Pa' },
      rawInput: '{"city":"Pa',
      inputEncoding: 'json',
      callProviderMetadata: providerMetadata,
    },
    { ...head('available'), state: 'input-available', input, callProviderMetadata: providerMetadata },
    { ...head('requested'), state: 'approval-requested', input, approval: { ...approval, isAutomatic: false } },
    {
      ...head('responded'),
      state: 'approval-responded',
      input,
      approval: { ...approval, id: 'approval-2', approved: true, reason: 'ok by me' },
    },
    {
      ...head('output'),
      ...common,
      state: 'output-available',
      input,
      output: { celsius: 21 },
      preliminary: false,
      callProviderMetadata: providerMetadata,
      resultProviderMetadata: providerMetadata,
      approval: { ...approval, id: 'approval-3', approved: true, isAutomatic: true },
    },
    {
      ...head('error'),
      state: 'output-error',
      input,
      errorText: 'the weather service is down',
      resultProviderMetadata: providerMetadata,
    },
    {
      ...head('denied'),
      state: 'output-denied',
      input,
      approval: { ...approval, id: 'approval-4', approved: false, reason: 'not today' },
    },
  ] as FixturePart[];
}

export const everyAssistantPart: FixturePart[] = [
  { type: 'step-start' },
  {
    type: 'reasoning',
    id: 'reasoning-1',
    text: 'Thinking about the weather',
    state: 'done',
    providerMetadata,
  },
  {
    type: 'text',
    text: 'It is sunny, says [1].',
    state: 'done',
    providerMetadata,
    citations: [
      {
        source: { type: 'source', sourceType: 'url', id: 'src-1', url: 'https://example.com/w', title: 'Weather' },
        startIndex: 0,
        endIndex: 8,
        citedText: 'sunny',
      },
      {
        source: {
          type: 'source',
          sourceType: 'document',
          id: 'src-2',
          mediaType: 'application/pdf',
          title: 'Report',
          filename: 'report.pdf',
        },
      },
    ],
  },
  { type: 'text', text: 'still typing', state: 'streaming' },
  { type: 'source-url', sourceId: 'src-1', url: 'https://example.com/w', title: 'Weather', providerMetadata },
  {
    type: 'source-document',
    sourceId: 'src-2',
    mediaType: 'application/pdf',
    title: 'Report',
    filename: 'report.pdf',
  },
  {
    type: 'file',
    mediaType: 'image/png',
    url: 'data:image/png;base64,iVBORw0KGgo=',
    filename: 'chart.png',
    providerReference: { openai: 'file-abc' },
    providerMetadata,
  },
  { type: 'reasoning-file', mediaType: 'image/png', url: 'https://example.com/sketch.png', providerMetadata },
  { type: 'custom', kind: 'openai.compaction', providerMetadata },
  { type: 'data-progress', id: 'progress-1', data: { percent: 40 } },
  {
    type: 'steering-message',
    id: 'steer-1',
    parts: [
      { type: 'text', text: 'in Celsius, please' },
      { type: 'file', mediaType: 'text/plain', url: 'https://example.com/a.txt' },
    ],
  },
  ...toolCalls('static'),
  ...toolCalls('dynamic'),
  // A tool named `result`: its parts are `tool-result`, with a state, and no earlier call.
  { type: 'tool-result', toolCallId: 'call-r', state: 'output-available', input: { id: 'r1' }, output: 'done' },
];

export const everyUserPart: FixturePart[] = [
  { type: 'text', text: 'What is the weather in Paris?' },
  { type: 'file', mediaType: 'application/pdf', url: 'https://example.com/brief.pdf', filename: 'brief.pdf' },
];
