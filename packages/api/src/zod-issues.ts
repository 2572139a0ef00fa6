import type { ZodError } from 'zod';

/** The raw value at an issue's path: tells "missing" from "wrong". The path is zod's, so it is short. */
function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

export interface Issue {
  path: PropertyKey[];
  message: string;
}

/**
 * The one way a zod failure is told to a caller (the tRPC error formatter and the services' own checks): `at` is
 * where the validated value sits in the input.
 *
 * "parts.2.toolCallId: must not be empty; role: is required" — what a caller needs to fix, field by field. */
export function zodIssues(error: ZodError, input: unknown, at: readonly PropertyKey[] = []): Issue[] {
  return error.issues.map((issue) => {
    const field = issue.path.at(-1);
    let message = issue.message;
    if (issue.code === 'invalid_type' && issue.path.length > 0 && valueAt(input, issue.path) === undefined) {
      message = 'is required';
    } else if (/^Invalid input: expected \w+, received \w+$/.test(message)) {
      message = message.replace(/^Invalid input: expected (\w+), received (\w+)$/, 'must be $1, not $2');
    } else if (typeof field === 'string' && message.startsWith(`${field} `)) {
      // Schemas word their own errors ("action must be a string"); the path already names the field.
      message = message.slice(field.length + 1);
    }
    return { path: [...at, ...issue.path], message };
  });
}

export const describeIssues = (issues: Issue[]) =>
  issues.map(({ path, message }) => `${path.length > 0 ? path.map(String).join('.') : 'input'}: ${message}`).join('; ');
