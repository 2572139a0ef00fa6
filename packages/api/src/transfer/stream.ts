import { createReadStream } from 'node:fs';

/**
 * Text in chunks, from a file path or a stream (a Node stream is one): what every file source reads, never the
 * whole file at once. Typed without Node's types, since the API's published declarations reach it.
 */
export type TextInput = string | AsyncIterable<string | Uint8Array>;

export function openInput(input: TextInput): AsyncIterable<string | Uint8Array> {
  return typeof input === 'string' ? createReadStream(input) : input;
}

/** One element read, with the line it starts on (and, in an object of arrays, the key of its array). */
export type JsonElement =
  | { line: number; value: unknown; bytes: number; key?: string }
  | { line: number; error: string; key?: string };

/**
 * The elements of a top-level JSON array, one at a time with the line each starts on, or the values of a JSON
 * Lines file; with `objectOfArrays`, a top-level `{ "key": [ … ], … }` gives the elements of each array with its
 * key. A 1 GB export is read as it streams, never held whole. Each element is parsed on its own, so a bad one is
 * reported at its line.
 */
export async function* jsonElements(
  input: TextInput,
  options: { objectOfArrays?: boolean } = {},
): AsyncGenerator<JsonElement> {
  const decoder = new TextDecoder();
  let mode: 'unknown' | 'array' | 'object' | 'lines' = 'unknown';
  // Object mode: outside the arrays (reading a key, its colon, the comma after an array) or inside one.
  let between = true;
  let key: string | undefined;
  let keyText: string | undefined;
  let keyEscaped = false;
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
    const where = key === undefined ? {} : { key };
    try {
      return { line: startLine, value: JSON.parse(text) as unknown, bytes: text.length, ...where };
    } catch (error) {
      return { line: startLine, error: `not valid JSON (${(error as Error).message})`, ...where };
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
        mode = ch === '[' ? 'array' : ch === '{' && options.objectOfArrays ? 'object' : 'lines';
        if (mode !== 'lines') {
          from = i + 1;
          continue;
        }
        startLine = line;
        from = i;
      }
      if (done) continue;
      if (mode === 'object' && between) {
        if (ch === '\n') line += 1;
        if (keyText !== undefined) {
          if (keyEscaped) keyEscaped = false;
          else if (ch === '\\') keyEscaped = true;
          else if (ch === '"') {
            key = JSON.parse(`"${keyText}"`) as string;
            keyText = undefined;
            continue;
          }
          if (keyText !== undefined) keyText += ch;
        } else if (ch === '"') keyText = '';
        else if (ch === '[' && key !== undefined) {
          between = false;
          depth = 0;
          current = '';
          from = i + 1;
        } else if (ch === '}') done = true;
        else if (ch !== undefined && !/[\s:,]/.test(ch)) {
          yield { line, error: `expected { "chat id": [ … ], … } but found ${JSON.stringify(ch)}` };
          done = true;
        }
        continue;
      }
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
          if (mode === 'object') {
            between = true;
            key = undefined;
          } else done = true;
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
    if (!done && !(mode === 'object' && between)) current += text.slice(from);
  }
  const last = emit();
  if (last) yield last;
  if (mode === 'array' && !done) yield { line, error: 'the JSON array is not closed' };
  if (mode === 'object' && !done) yield { line, error: 'the JSON object is not closed' };
}
