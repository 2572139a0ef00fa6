import {
  CheckConstraintViolationException,
  ConnectionException,
  DeadlockException,
  DriverException,
  ForeignKeyConstraintViolationException,
  LockWaitTimeoutException,
  NotNullConstraintViolationException,
  UniqueConstraintViolationException,
} from '@mikro-orm/core';
import { PostgreSqlPlatform } from '@mikro-orm/postgresql';
import { TRPCError } from '@trpc/server';

const UNAVAILABLE_MESSAGE = 'The database is unreachable; retry shortly.';
const BUSY_MESSAGE = 'Every database connection is busy; retry shortly.';
const INVALID_VALUE = 'A value in the input cannot be stored as given.';
const DATA_EXCEPTION_MESSAGES: Record<string, string> = {
  '22P02': 'A value is not in the format its field needs (a uuid, a number or JSON).',
  '22P05': 'Text contains a character that cannot be stored (NUL, \\u0000).',
  '22021': 'Text contains a character that cannot be stored (NUL or invalid UTF-8).',
  '22007': 'A date or time is not valid.',
  '22008': 'A date or time is out of range.',
  '22003': 'A number is out of range.',
  '22023': 'A parameter value is not recognised (for example a time zone).',
  '2201B': 'A pattern is not valid.',
};

/** PostgreSQL SQLSTATE classes that mean "the database is not there right now", not "your request is wrong". */
function isUnavailableState(state: string | undefined): boolean {
  if (!state) return false;
  return (
    state.startsWith('08') || state.startsWith('53') || state === '57P01' || state === '57P02' || state === '57P03'
  );
}

/** An error PostgreSQL sent (pg's DatabaseError): it carries the SQLSTATE as `code`. */
function isPgDatabaseError(error: unknown): error is Error & { code: string } {
  if (!(error instanceof Error) || error.name !== 'error') return false;
  const code: unknown = (error as Error & { code?: unknown }).code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code);
}

function isNetworkError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as NodeJS.ErrnoException).code;
  if (code && ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EPIPE'].includes(code))
    return true;
  return /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|Connection terminated|connection is closed|Client has encountered a connection error/i.test(
    error.message,
  );
}

const exceptions = new PostgreSqlPlatform().getExceptionConverter();

/**
 * Queries through Kysely (see db.ts) fail with pg's own error; MikroORM's converter gives it the exception class
 * its own queries would have thrown (a unique violation, a deadlock, ...), so both are told apart one way.
 */
export function asDriverException(error: unknown): unknown {
  return isPgDatabaseError(error) ? exceptions.convertException(error) : error;
}

/**
 * The one place that turns ORM and PostgreSQL failures into tRPC codes. Anything unknown stays an internal
 * error (logged by the HTTP layer with its request id), never a silent success. Versions are checked in the
 * statements themselves (`expectedVersion`), so no ORM optimistic-lock or not-found error can reach here.
 */
export function toTRPCError(thrown: unknown): TRPCError {
  if (thrown instanceof TRPCError) return thrown;
  const error = asDriverException(thrown);
  const cause = error instanceof Error ? error : undefined;
  if (error instanceof UniqueConstraintViolationException) {
    return new TRPCError({ code: 'CONFLICT', message: 'That id or name is already taken.', cause });
  }
  if (
    error instanceof DeadlockException ||
    error instanceof LockWaitTimeoutException ||
    error instanceof ConcurrentReplay
  ) {
    return new TRPCError({ code: 'CONFLICT', message: 'A concurrent write got in the way; retry.', cause });
  }
  if (error instanceof ForeignKeyConstraintViolationException) {
    return new TRPCError({ code: 'NOT_FOUND', message: 'A record this write refers to does not exist.', cause });
  }
  if (error instanceof NotNullConstraintViolationException) {
    return new TRPCError({ code: 'BAD_REQUEST', message: 'A required value is missing.', cause });
  }
  if (error instanceof CheckConstraintViolationException) {
    return new TRPCError({ code: 'BAD_REQUEST', message: 'A value is outside what threadstore accepts.', cause });
  }
  // pg-pool's words for a call that waited its whole acquire timeout for a free connection (see orm.ts).
  if (cause && /timeout exceeded when trying to connect/i.test(cause.message)) {
    return new TRPCError({ code: 'SERVICE_UNAVAILABLE', message: BUSY_MESSAGE, cause });
  }
  if (error instanceof ConnectionException || isNetworkError(error)) {
    return new TRPCError({ code: 'SERVICE_UNAVAILABLE', message: UNAVAILABLE_MESSAGE, cause });
  }
  // pg's own errors were converted above, so every SQLSTATE arrives on a DriverException.
  const state = error instanceof DriverException ? (error.sqlState ?? error.code) : undefined;
  if (state !== undefined) {
    if (isUnavailableState(state))
      return new TRPCError({ code: 'SERVICE_UNAVAILABLE', message: UNAVAILABLE_MESSAGE, cause });
    if (state === '57014')
      return new TRPCError({ code: 'TIMEOUT', message: 'The query took too long and was cancelled.', cause });
    if (state === '40001' || state === '40P01') {
      return new TRPCError({ code: 'CONFLICT', message: 'A concurrent write got in the way; retry.', cause });
    }
    if (state === '54000' || state === '22001') {
      return new TRPCError({ code: 'BAD_REQUEST', message: 'A value is too large to store.', cause });
    }
    // Data exceptions: the input reached PostgreSQL in a form it refuses. Its own text (which may echo the
    // input) stays in the log; the caller learns which kind of value is wrong.
    if (state?.startsWith('22')) {
      return new TRPCError({ code: 'BAD_REQUEST', message: DATA_EXCEPTION_MESSAGES[state] ?? INVALID_VALUE, cause });
    }
  }
  return new TRPCError({ code: 'INTERNAL_SERVER_ERROR', message: 'Internal error.', cause });
}

/**
 * A write lost a race to a concurrent write with the same id (see message.append's one-statement path): the
 * call runs again, and the rerun sees the stored row and answers as a replay.
 */
export class ConcurrentReplay extends Error {}

export const notFound = (what: string) => new TRPCError({ code: 'NOT_FOUND', message: `${what} not found.` });
export const conflict = (message: string) => new TRPCError({ code: 'CONFLICT', message });
export const badRequest = (message: string) => new TRPCError({ code: 'BAD_REQUEST', message });
