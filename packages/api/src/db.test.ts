import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from './db.ts';

/** How fingerprints were made before canonicalJson wrote JSON itself: every stored request hash came from this. */
const throughReplacer = (value: unknown): string =>
  JSON.stringify(value, (_key, item: unknown) => {
    if (item && typeof item === 'object' && !Array.isArray(item)) {
      return Object.fromEntries(
        Object.entries(item as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
      );
    }
    return item;
  });

// Keys that sort differently as text and as numbers, keys JavaScript orders first, and values JSON leaves out.
const key = fc.oneof(
  fc.string(),
  fc.constantFrom('0', '1', '2', '10', '9', '01', '-1', '4294967294', '4294967295', '1e3', 'a', 'B', '__proto__'),
);
const { tree } = fc.letrec((tie) => ({
  tree: fc.oneof(
    { depthSize: 'small' },
    fc.oneof(fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constant(undefined)),
    fc.array(tie('tree')),
    fc.dictionary(key, tie('tree'), { noNullPrototype: true }),
  ),
}));

describe('canonicalJson', () => {
  it('writes exactly what the JSON.stringify replacer wrote, so stored fingerprints still match', () => {
    fc.assert(
      fc.property(tree, (value) => {
        expect(canonicalJson(value)).toBe(throughReplacer(value));
      }),
      { numRuns: 2000 },
    );
  });

  it('sorts keys at every depth and honours toJSON', () => {
    const when = new Date('2026-12-03T00:00:00.000Z');
    expect(canonicalJson({ b: [{ d: 1, c: undefined, a: when }], a: 'x', 10: 1, 9: 2 })).toBe(
      '{"9":2,"10":1,"a":"x","b":[{"a":"2026-12-03T00:00:00.000Z","d":1}]}',
    );
    expect(canonicalJson({ b: 1, a: 2 })).toBe(canonicalJson({ a: 2, b: 1 }));
  });
});
