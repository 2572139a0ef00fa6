import { badRequest } from './errors.ts';

/** Cursors are opaque to callers: base64url JSON of the keyset values of the last row returned. */
export function encodeCursor(values: readonly (string | number | boolean | null)[]): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url');
}

// A cursor comes back from the caller, so its values are checked for the form this server gave them before
// any reaches SQL: a forged one is a BAD_REQUEST about the cursor, never a database error.
const TIMESTAMP_TEXT = /^\d{4,6}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d{1,6})?([+-]\d{2}(:\d{2}){0,2}|Z)?$/;
const ID_TEXT = /^[A-Za-z0-9_-]{1,128}$/;
const NUMBER_TEXT = /^-?\d+(\.\d+)?(e[+-]?\d+)?$/i;

/** `created_at` as PostgreSQL prints it (microseconds kept). */
export const isTimestampText = (value: unknown): value is string =>
  typeof value === 'string' && TIMESTAMP_TEXT.test(value);
/** A uuid or a client id. */
export const isIdText = (value: unknown): value is string => typeof value === 'string' && ID_TEXT.test(value);
export const isNumberText = (value: unknown): value is string =>
  typeof value === 'string' && value.length <= 40 && NUMBER_TEXT.test(value);

export function decodeCursor<T extends readonly unknown[]>(
  cursor: string,
  isValid: (values: unknown[]) => values is [...T],
): T {
  let values: unknown;
  try {
    values = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw badRequest('cursor: not a cursor this list returned');
  }
  if (!Array.isArray(values) || !isValid(values)) throw badRequest('cursor: not a cursor this list returned');
  return values as unknown as T;
}
