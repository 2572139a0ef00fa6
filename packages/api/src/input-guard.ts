/**
 * Hygiene for raw input, before zod or the database see it: one iterative, bounded walk that refuses what
 * PostgreSQL cannot store (NUL characters, lone UTF-16 surrogates), JSON nested deeper than any schema needs
 * (so nothing downstream recurses without a bound), and fields over their documented size.
 */

export interface InputLimits {
  /** Deepest nesting of objects and arrays in one call's input. */
  maxDepth: number;
  /** Most parts in one `parts` array. */
  maxParts: number;
  /** Largest single part, as UTF-8 bytes of its JSON. */
  maxPartBytes: number;
  /** Largest `metadata` value, as UTF-8 bytes of its JSON. */
  maxMetadataBytes: number;
}

export const DEFAULT_INPUT_LIMITS: InputLimits = {
  maxDepth: 64,
  maxParts: 2000,
  maxPartBytes: 4 * 1024 * 1024,
  maxMetadataBytes: 256 * 1024,
};

export interface InputProblem {
  path: (string | number)[];
  message: string;
}

const byteSize = (value: unknown): number => Buffer.byteLength(JSON.stringify(value) ?? '');

// With the u flag a surrogate pair is one code point, so this matches only surrogates standing alone.
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

function textProblem(text: string): string | undefined {
  if (text.includes('\u0000')) return 'must not contain NUL characters (\\u0000)';
  if (LONE_SURROGATE.test(text)) return 'must be valid Unicode (it contains a lone UTF-16 surrogate)';
  return undefined;
}

/** The first problem with a call's raw input, or undefined when it may go on to validation. */
export function findInputProblem(input: unknown, limits: InputLimits = DEFAULT_INPUT_LIMITS): InputProblem | undefined {
  const stack: { value: unknown; path: (string | number)[] }[] = [{ value: input, path: [] }];
  const sized: { value: unknown; path: (string | number)[]; kind: 'parts' | 'metadata' }[] = [];
  while (stack.length > 0) {
    const { value, path } = stack.pop() as { value: unknown; path: (string | number)[] };
    if (typeof value === 'string') {
      const problem = textProblem(value);
      if (problem) return { path, message: problem };
      continue;
    }
    if (value === null || typeof value !== 'object' || value instanceof Date) continue;
    if (path.length >= limits.maxDepth) {
      return { path, message: `is nested too deeply: at most ${limits.maxDepth} levels of objects and arrays` };
    }
    const key = path.at(-1);
    if (key === 'parts' && Array.isArray(value)) sized.push({ value, path, kind: 'parts' });
    if (key === 'metadata') sized.push({ value, path, kind: 'metadata' });
    if (Array.isArray(value)) {
      for (let index = value.length - 1; index >= 0; index -= 1) {
        stack.push({ value: value[index], path: [...path, index] });
      }
    } else {
      for (const [name, item] of Object.entries(value)) {
        const problem = textProblem(name);
        if (problem) return { path: [...path, name], message: `key ${problem}` };
        stack.push({ value: item, path: [...path, name] });
      }
    }
  }
  // Sizes are measured only once the depth is known to be bounded: JSON.stringify recurses.
  for (const { value, path, kind } of sized) {
    if (kind === 'metadata') {
      if (byteSize(value) > limits.maxMetadataBytes) {
        return { path, message: `must be at most ${limits.maxMetadataBytes} bytes as JSON` };
      }
      continue;
    }
    const parts = value as unknown[];
    if (parts.length > limits.maxParts) return { path, message: `must hold at most ${limits.maxParts} parts` };
    for (const [index, part] of parts.entries()) {
      if (byteSize(part) > limits.maxPartBytes) {
        return { path: [...path, index], message: `must be at most ${limits.maxPartBytes} bytes as JSON` };
      }
    }
  }
  return undefined;
}

export const describeInputProblem = (problem: InputProblem): string =>
  problem.path.length > 0 ? `${problem.path.join('.')}: ${problem.message}` : `input: ${problem.message}`;
