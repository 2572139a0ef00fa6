/** Edits of a JSON document by path (object keys and array indexes, outermost first), never in place. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonPath = readonly (string | number)[];
export type JsonObject = { [key: string]: Json };

const isContainer = (value: Json): value is Json[] | JsonObject => value !== null && typeof value === 'object';

function updateAt(root: Json, path: JsonPath, change: (value: Json | undefined) => Json | undefined): Json {
  if (path.length === 0) return change(root) ?? null;
  if (!isContainer(root)) throw new Error(`cannot go into a ${root === null ? 'null' : typeof root} at ${path[0]}`);
  const [head, ...rest] = path as [string | number, ...(string | number)[]];
  if (Array.isArray(root)) {
    const index = Number(head);
    const copy = [...root];
    const next = rest.length === 0 ? change(copy[index]) : updateAt(copy[index] as Json, rest, change);
    if (next === undefined) copy.splice(index, 1);
    else copy[index] = next;
    return copy;
  }
  const key = String(head);
  const copy: JsonObject = { ...root };
  const next = rest.length === 0 ? change(copy[key]) : updateAt(copy[key] as Json, rest, change);
  if (next === undefined) delete copy[key];
  else copy[key] = next;
  return copy;
}

export const setAt = (root: Json, path: JsonPath, value: Json): Json => updateAt(root, path, () => value);
export const removeAt = (root: Json, path: JsonPath): Json => updateAt(root, path, () => undefined);

/** Adds `key` to the object at `path` (refused if taken) or appends to the array there (key ignored). */
export function addAt(root: Json, path: JsonPath, key: string, value: Json): Json {
  return updateAt(root, path, (container) => {
    if (Array.isArray(container)) return [...container, value];
    if (container === null || typeof container !== 'object')
      throw new Error('only objects and arrays take new entries');
    if (key === '') throw new Error('a key must not be empty');
    if (Object.hasOwn(container, key)) throw new Error(`the key “${key}” is already there`);
    return { ...container, [key]: value };
  });
}

/**
 * What is typed into a value field: JSON when it reads as JSON (`42`, `true`, `null`, `"42"`, `[1]`), otherwise the
 * text itself as a string, so plain words need no quotes.
 */
export function parseScalar(text: string): Json {
  const trimmed = text.trim();
  if (trimmed === '') return '';
  try {
    return JSON.parse(trimmed) as Json;
  } catch {
    return text;
  }
}

/** The field text for a value: `parseScalar(scalarText(v))` gives `v` back. */
export function scalarText(value: Json): string {
  if (typeof value !== 'string') return JSON.stringify(value);
  return parseScalar(value) === value ? value : JSON.stringify(value);
}

export type Parsed = { ok: true; value: JsonObject } | { ok: false; error: string };

/** Raw JSON mode: a context's data must be one JSON object. */
export function parseDocument(text: string): Parsed {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, error: `Not valid JSON: ${(error as Error).message}` };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, error: 'A context must be a JSON object ({ … }), not an array or a single value' };
  }
  return { ok: true, value: value as JsonObject };
}
