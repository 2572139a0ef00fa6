import { badRequest } from './errors.ts';

/** Cursors are opaque to callers: base64url JSON of the keyset values of the last row returned. */
export function encodeCursor(values: readonly (string | number | boolean | null)[]): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url');
}

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
