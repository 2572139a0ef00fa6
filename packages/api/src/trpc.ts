import { setTimeout as sleep } from 'node:timers/promises';
import { DeadlockException, DriverException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { actingUserInput } from '@threadstore/shared';
import { initTRPC, TRPCError } from '@trpc/server';
import { ZodError, type z } from 'zod';
import type { Context, Identity, Observer } from './context.ts';
import type { InTransaction } from './db.ts';
import { asDriverException, ConcurrentReplay, toTRPCError } from './errors.ts';
import { describeInputProblem, findInputProblem, type InputProblem } from './input-guard.ts';
import { describeIssues, zodIssues } from './zod-issues.ts';

/** The input of a call was refused before validation (see input-guard.ts). */
export class InputRejected extends Error {
  readonly problem: InputProblem;
  constructor(problem: InputProblem) {
    super(describeInputProblem(problem));
    this.problem = problem;
  }
}

/** "at character 21": the parser's own wording stays out of responses, where it points does not. */
function jsonPosition(error: SyntaxError): string {
  const position = /position (\d+)/.exec(error.message)?.[1];
  return position === undefined ? 'it ends too soon or holds something else' : `the error is at character ${position}`;
}

const t = initTRPC.context<Context>().create({
  // Stack traces stay in the server's log, never in responses.
  isDev: false,
  errorFormatter({ shape, error, input, type }) {
    if (error.code === 'BAD_REQUEST' && error.cause instanceof ZodError) {
      const issues = zodIssues(error.cause, input);
      return { ...shape, message: describeIssues(issues), data: { ...shape.data, issues } };
    }
    if (error.cause instanceof InputRejected) {
      const { path, message } = error.cause.problem;
      return { ...shape, message: error.cause.message, data: { ...shape.data, issues: [{ path, message }] } };
    }
    if (error.code === 'BAD_REQUEST' && error.cause instanceof SyntaxError) {
      const where = type === 'query' ? 'The `input` query parameter' : 'The request body';
      return { ...shape, message: `${where} is not valid JSON: ${jsonPosition(error.cause)}.` };
    }
    return shape;
  },
});

/**
 * A procedure's output schema, checked with `parse`. Handed a zod schema, tRPC checks it with `parseAsync`, which in
 * zod 4 skips the compiled fast path of object schemas: a 50-message page took 38 µs to check that way and 9 µs
 * with `parse`. A resolver then returns the schema's output type (defaults included). Inputs keep their schemas,
 * so clients still see each input's own type, its defaults optional.
 */
export const outputParser =
  <T extends z.ZodType>(schema: T) =>
  (value: unknown): z.output<T> =>
    schema.parse(value);

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

/** What a middleware's `next()` answers, as far as the middlewares here look at it. */
type CallOutcome = { ok: true } | { ok: false; error: TRPCError };

/** The refusal of a raw input that fails the bounded walk (see input-guard.ts), if it does. */
function inputRefusal(rawInput: unknown, limits: Context['limits']): TRPCError | undefined {
  const problem = findInputProblem(rawInput, limits);
  if (!problem) return undefined;
  const cause = new InputRejected(problem);
  return new TRPCError({ code: 'BAD_REQUEST', message: cause.message, cause });
}

/**
 * What every call goes through first, in one middleware (each one tRPC runs costs a few µs and copies the context
 * and call options: bench/README.md): one bounded walk of the raw input before any schema or query touches it,
 * then `proceed`. Every failure leaves through `toTRPCError`, so ORM and PostgreSQL errors get their codes in one
 * place; each call's outcome and duration go to the observer (the server's metrics and request log).
 */
async function checkedCall<R extends CallOutcome>(
  { ctx, path, getRawInput }: { ctx: Context; path: string; getRawInput: () => Promise<unknown> },
  proceed: () => Promise<R>,
): Promise<R> {
  const started = performance.now();
  const finished = (code: string) => ctx.observer.callFinished(path, code, (performance.now() - started) / 1000);
  let result: R;
  try {
    const refusal = inputRefusal(await getRawInput(), ctx.limits);
    if (refusal) throw refusal;
    result = await proceed();
  } catch (thrown) {
    const error = thrown instanceof TRPCError ? thrown : toTRPCError(thrown);
    finished(error.code);
    throw error;
  }
  if (!result.ok && result.error.code === 'INTERNAL_SERVER_ERROR' && result.error.cause !== undefined) {
    result = { ...result, error: toTRPCError(result.error.cause) };
  }
  finished(result.ok ? 'OK' : result.error.code);
  return result;
}

export const publicProcedure = t.procedure.use((options) => checkedCall(options, () => options.next()));

/** A call with a valid bearer token: refused before its input is validated against any schema. */
const authenticated = t.procedure.use((options) =>
  checkedCall(options, () => {
    const { identity } = options.ctx;
    if (!identity) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'A valid bearer token is required.' });
    return options.next({ ctx: { identity } });
  }),
);

/** The user a call acts for: a user token acts for its own user, a service token for the `userId` it names. */
function actingUserId(identity: Identity, input: { userId?: string | undefined }): string {
  if (identity.kind === 'service') {
    if (!input.userId) {
      throw new TRPCError({ code: 'BAD_REQUEST', message: 'userId: a service token must name the user it acts for' });
    }
    return input.userId;
  }
  if (input.userId !== undefined && input.userId !== identity.userId) {
    throw new TRPCError({ code: 'FORBIDDEN', message: 'userId: a user token can only act for its own user' });
  }
  return identity.userId;
}

/** Calls on behalf of one user; each kind below resolves the user in its own middleware, with its own work. */
const actingUser = authenticated.input(actingUserInput);

/**
 * A query on behalf of one user, with an EntityManager of its own: tRPC runs the calls of one batch
 * concurrently on one context.
 */
export const userProcedure = actingUser.use(({ ctx, input, next }) =>
  next({ ctx: { userId: actingUserId(ctx.identity, input), em: ctx.orm.em.fork() as EntityManager } }),
);

class Rollback extends Error {}

/** Runs of a transaction that lost a serialization check, a deadlock or a replay race: the first plus this many more. */
const TRANSACTION_RETRIES = 3;

/**
 * Why a failed transaction may simply run again: PostgreSQL rolled it back whole and asks for a retry, or a write
 * lost the race to store an id to its own replay (see ConcurrentReplay).
 */
function retryReason(error: unknown): 'serialization' | 'deadlock' | 'replay' | undefined {
  const cause = asDriverException(error instanceof TRPCError ? error.cause : error);
  if (cause instanceof ConcurrentReplay) return 'replay';
  if (cause instanceof DeadlockException) return 'deadlock';
  if (cause instanceof DriverException) {
    const state = cause.sqlState ?? cause.code;
    if (state === '40001') return 'serialization';
    if (state === '40P01') return 'deadlock';
  }
  return undefined;
}

/**
 * Runs one attempt of a mutation, and runs it again while it fails because PostgreSQL rolled its transaction back
 * and asks for a retry (a serialization failure, a deadlock) or because it lost a replay race: a bounded number
 * of times, with jittered backoff; nothing else is retried. An attempt fails by throwing or by a failed result.
 */
async function withRetries<R extends CallOutcome>(
  observer: Observer,
  path: string,
  attempt: () => Promise<R>,
): Promise<R> {
  for (let retries = 0; ; retries += 1) {
    let result: R | undefined;
    let error: unknown;
    try {
      result = await attempt();
      if (result.ok) return result;
    } catch (thrown) {
      error = thrown;
    }
    const reason = retryReason(result && !result.ok ? result.error : error);
    if (reason === undefined || retries >= TRANSACTION_RETRIES) {
      if (result) return result;
      throw error;
    }
    observer.transactionRetried(path, reason);
    await sleep(Math.random() * 20 * 2 ** retries);
  }
}

/**
 * Each mutation is one unit of work: one transaction, committed only when the procedure succeeds, and run
 * again as withRetries says.
 */
export const userMutation = actingUser.use(({ ctx, input, next, path }) => {
  const userId = actingUserId(ctx.identity, input);
  return withRetries(ctx.observer, path, async () => {
    let failure: Awaited<ReturnType<typeof next<{ userId: string; em: EntityManager }>>> | undefined;
    try {
      // Each attempt on an EntityManager of its own (transactional forks it again for the transaction).
      return await (ctx.orm.em.fork() as EntityManager).transactional(async (em) => {
        const result = await next({ ctx: { userId, em } });
        if (!result.ok) {
          failure = result;
          throw new Rollback();
        }
        return result;
      });
    } catch (thrown) {
      if (thrown instanceof Rollback && failure) return failure;
      throw thrown;
    }
  });
});

/**
 * A mutation whose usual case is one statement, which PostgreSQL runs and commits on its own, atomically, with
 * no BEGIN and COMMIT around it: `ctx.em` is outside any transaction, and the procedure runs whatever takes more
 * than that one statement in `ctx.transaction`. The procedure must write nothing on `ctx.em` but that one
 * statement. Retried as userMutation is. Two round trips fewer per call, on the hottest path (message.append and
 * appendRound: bench/README.md).
 */
export const oneStatementMutation = actingUser.use(({ ctx, input, next, path }) => {
  const userId = actingUserId(ctx.identity, input);
  return withRetries(ctx.observer, path, () => {
    const em = ctx.orm.em.fork() as EntityManager;
    const transaction: InTransaction = (work) => em.transactional(work);
    return next({ ctx: { userId, em, transaction } });
  });
});
