import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deriveContent, isToolStateAdvance, messagePart, messageParts, TOOL_STATES } from './message.ts';

const name = fc.stringMatching(/^[a-z][a-z0-9_]{0,15}$/);
const json = fc.jsonValue();
const toolState = fc.constantFrom(...TOOL_STATES);

const knownPart = fc.oneof(
  fc.record({ type: fc.constant('text'), text: fc.string() }),
  fc.record({ type: fc.constant('reasoning'), text: fc.string(), state: fc.constantFrom('streaming', 'done') }),
  fc.record({ type: fc.constant('step-start') }),
  fc.record({
    type: fc.constant('file'),
    mediaType: fc.constantFrom('image/png', 'application/pdf'),
    url: fc.webUrl(),
    filename: fc.string(),
  }),
  fc.record({ type: fc.constant('source-url'), sourceId: fc.string(), url: fc.webUrl() }),
  fc.record({ type: name.map((value) => `data-${value}`), data: json }),
  // Unknown types with extra fields: kept as they are.
  fc.record({ type: name.map((value) => `x-${value}`), payload: json, note: fc.string() }),
);

function toolPart(toolCallId: string, state: (typeof TOOL_STATES)[number], tool: string) {
  const base = { type: `tool-${tool}`, toolCallId, state, input: { q: tool } };
  if (state === 'approval-requested') return { ...base, approval: { id: `a-${toolCallId}` } };
  if (state === 'approval-responded') return { ...base, approval: { id: `a-${toolCallId}`, approved: true } };
  if (state === 'output-denied') return { ...base, approval: { id: `a-${toolCallId}`, approved: false } };
  if (state === 'output-available') return { ...base, output: { ok: true } };
  if (state === 'output-error') return { ...base, errorText: 'failed' };
  return base;
}

describe('message parts', () => {
  it('accepts every known part shape and keeps every field, unknown types included', () => {
    fc.assert(
      fc.property(knownPart, (part) => {
        const parsed = messagePart.parse(part);
        expect(parsed).toEqual(part);
      }),
    );
  });

  it('accepts well-formed tool calls in any state, with results that point back at them', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(toolState, name), { maxLength: 8 }), (calls) => {
        const parts = calls.flatMap(([state, tool], index) => {
          const call = toolPart(`call-${index}`, state, tool);
          return state === 'output-available'
            ? [call, { type: 'tool-result', toolCallId: `call-${index}`, output: 'done' }]
            : [call];
        });
        expect(messageParts.parse(parts)).toEqual(parts);
      }),
    );
  });

  it('refuses parts without a string type, tool results for calls never made, and duplicated calls', () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer(), fc.constant(null), fc.boolean(), fc.constant('')), (type) => {
        expect(messagePart.safeParse({ type }).success).toBe(false);
      }),
    );
    expect(messageParts.safeParse([{ type: 'tool-result', toolCallId: 'x', output: 1 }]).success).toBe(false);
    const call = toolPart('same', 'input-available', 'search');
    expect(messageParts.safeParse([call, call]).success).toBe(false);
    expect(messageParts.safeParse([{ ...call, state: 'output-error' }]).success).toBe(false);
    expect(messageParts.safeParse([{ ...call, output: 'too early' }]).success).toBe(false);
  });

  it('reports a part that is not an object as an issue, never as a crash of the whole-message checks', () => {
    for (const part of [[], null, 7, 'text']) {
      const result = messageParts.safeParse([part, { type: 'text', text: 'fine' }]);
      expect(result.error?.issues.map((issue) => issue.path.join('.'))).toEqual(['0.type']);
    }
  });

  it('orders tool states: forward only, the outcomes final', () => {
    // input-streaming, input-available, approval-requested, approval-responded, then the three outcomes.
    const rank = (state: (typeof TOOL_STATES)[number]) => Math.min(TOOL_STATES.indexOf(state), 4);
    fc.assert(
      fc.property(toolState, toolState, (from, to) => {
        expect(isToolStateAdvance(from, to)).toBe(from === to || rank(to) > rank(from));
      }),
    );
  });

  it('derives content from the text parts only, in order', () => {
    fc.assert(
      fc.property(fc.array(knownPart, { maxLength: 6 }), (parts) => {
        const texts = parts.filter((part) => part.type === 'text').map((part) => (part as { text: string }).text);
        expect(deriveContent(messageParts.parse(parts))).toBe(texts.join('\n'));
      }),
    );
  });
});
