import { setTimeout as sleep } from 'node:timers/promises';
import { DeadlockException, DriverException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { actingUserInput } from '@threadstore/shared';
import { initTRPC, TRPCError } from '@trpc/server';
import { ZodError } from 'zod';
import type { Context } from './context.ts';
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

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

/**
 * Every failure leaves through `toTRPCError`, so ORM and PostgreSQL errors get their codes in one place; each
 * call's outcome and duration go to the observer (the server's metrics and request log).
 */
const mapErrors = t.middleware(async ({ ctx, next, path }) => {
  const started = performance.now();
  let result = await next();
  if (!result.ok && result.error.code === 'INTERNAL_SERVER_ERROR' && result.error.cause !== undefined) {
    result = { ...result, error: toTRPCError(result.error.cause) };
  }
  ctx.observer.callFinished(path, result.ok ? 'OK' : result.error.code, (performance.now() - started) / 1000);
  return result;
});

/** One bounded walk of the raw input before any schema or query touches it. */
const guardInput = t.middleware(async ({ ctx, getRawInput, next }) => {
  const problem = findInputProblem(await getRawInput(), ctx.limits);
  if (problem) {
    const cause = new InputRejected(problem);
    throw new TRPCError({ code: 'BAD_REQUEST', message: cause.message, cause });
  }
  return next();
});

export const publicProcedure = t.procedure.use(mapErrors).use(guardInput);

const authenticated = publicProcedure.use(({ ctx, next }) => {
  if (!ctx.identity) {
    throw new TRPCError({ code: 'UNAUTHORIZED', message: 'A valid bearer token is required.' });
  }
  return next({ ctx: { identity: ctx.identity } });
});

/** The user a call acts for: a user token acts for its own user, a service token for the `userId` it names. */
const actingUser = authenticated.input(actingUserInput).use(({ ctx, input, next }) => {
  const { identity } = ctx;
  if (identity.kind === 'service') {
    if (!input.userId) {
      throw new TRPCError({ code: 'BAD_REQUEST', message: 'userId: a service token must name the user it acts for' });
    }
    return next({ ctx: { userId: input.userId } });
  }
  if (input.userId !== undefined && input.userId !== identity.userId) {
    throw new TRPCError({ code: 'FORBIDDEN', message: 'userId: a user token can only act for its own user' });
  }
  return next({ ctx: { userId: identity.userId } });
});

/**
 * A query on behalf of one user, with an EntityManager of its own: tRPC runs the calls of one batch
 * concurrently on one context.
 */
export const userProcedure = actingUser.use(({ ctx, next }) =>
  next({ ctx: { em: ctx.orm.em.fork() as EntityManager } }),
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
 * Each mutation is one unit of work: one transaction, committed only when the procedure succeeds. A
 * transaction PostgreSQL aborted for a serialization failure or a deadlock, or one that lost a replay race, runs
 * again, a bounded number of times with jittered backoff; nothing else is retried.
 */
export const userMutation = actingUser.use(async ({ ctx, next, path }) => {
  for (let attempt = 0; ; attempt += 1) {
    let failure: Awaited<ReturnType<typeof next<{ em: EntityManager }>>> | undefined;
    let error: unknown;
    try {
      // Each attempt on an EntityManager of its own (transactional forks it again for the transaction).
      return await (ctx.orm.em.fork() as EntityManager).transactional(async (em) => {
        const result = await next({ ctx: { em } });
        if (!result.ok) {
          failure = result;
          throw new Rollback();
        }
        return result;
      });
    } catch (thrown) {
      if (!(thrown instanceof Rollback)) failure = undefined;
      error = failure && !failure.ok ? failure.error : thrown;
    }
    const reason = retryReason(error);
    if (reason === undefined || attempt >= TRANSACTION_RETRIES) {
      if (failure) return failure;
      throw error;
    }
    ctx.observer.transactionRetried(path, reason);
    await sleep(Math.random() * 20 * 2 ** attempt);
  }
});
