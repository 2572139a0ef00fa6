import { createReadStream } from 'node:fs';

/**
 * Text in chunks, from a file path or a stream (a Node stream is one): what every file source reads, never the
 * whole file at once. Typed without Node's types, since the API's published declarations reach it.
 */
export type TextInput = string | AsyncIterable<string | Uint8Array>;

export function openInput(input: TextInput): AsyncIterable<string | Uint8Array> {
  return typeof input === 'string' ? createReadStream(input) : input;
}

/**
 * The elements of a top-level JSON array, one at a time with the line each starts on, or the values of a JSON
 * Lines file: a 1 GB export is read as it streams, never held whole. Each element is parsed on its own, so a bad
 * one is reported at its line.
 */
export async function* jsonElements(
  input: TextInput,
): AsyncGenerator<{ line: number; value: unknown; bytes: number } | { line: number; error: string }> {
  const decoder = new TextDecoder();
  let mode: 'unknown' | 'array' | 'lines' = 'unknown';
  let depth = 0;
  let inString = false;
  let escaped = false;
  let line = 1;
  let startLine = 1;
  let current = '';
  let done = false;
  const emit = () => {
    const text = current.trim();
    current = '';
    if (text.length === 0) return undefined;
    try {
      return { line: startLine, value: JSON.parse(text) as unknown, bytes: text.length };
    } catch (error) {
      return { line: startLine, error: `not valid JSON (${(error as Error).message})` };
    }
  };
  for await (const chunk of openInput(input)) {
    const text = typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    let from = 0;
    for (let i = 0; i < text.length; i += 1) {
      const ch = text[i];
      if (mode === 'unknown') {
        if (ch === '\n') line += 1;
        if (ch === undefined || /\s/.test(ch)) continue;
        mode = ch === '[' ? 'array' : 'lines';
        if (mode === 'array') {
          from = i + 1;
          continue;
        }
        startLine = line;
        from = i;
      }
      if (done) continue;
      if (mode === 'lines') {
        // JSON Lines: one value per line, and a raw newline is never inside a JSON string.
        if (ch === '\n') {
          current += text.slice(from, i);
          const value = emit();
          if (value) yield value;
          from = i + 1;
          line += 1;
          startLine = line;
        }
        continue;
      }
      if (inString) {
        if (escaped) escaped = false;
        else if (ch === '\\') escaped = true;
        else if (ch === '"') inString = false;
        continue;
      }
      if (
        depth === 0 &&
        ch !== undefined &&
        !/[\s,\]]/.test(ch) &&
        current.trim() === '' &&
        text.slice(from, i).trim() === ''
      ) {
        startLine = line;
      }
      if (ch === '"') inString = true;
      else if (ch === '{' || ch === '[') depth += 1;
      else if (ch === '}' || ch === ']') {
        if (depth === 0 && ch === ']') {
          current += text.slice(from, i);
          const last = emit();
          if (last) yield last;
          done = true;
          from = i + 1;
          continue;
        }
        depth -= 1;
      } else if (depth === 0 && ch === ',') {
        current += text.slice(from, i);
        const value = emit();
        if (value) yield value;
        from = i + 1;
        continue;
      }
      if (ch === '\n') line += 1;
    }
    if (!done) current += text.slice(from);
  }
  const last = emit();
  if (last) yield last;
  if (mode === 'array' && !done) yield { line, error: 'the JSON array is not closed' };
}
