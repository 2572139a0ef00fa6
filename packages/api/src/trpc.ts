import { setTimeout as sleep } from 'node:timers/promises';
import { DeadlockException, DriverException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { actingUserInput } from '@threadstore/shared';
import { initTRPC, TRPCError } from '@trpc/server';
import { ZodError, type z } from 'zod';
import type { Context, Observer } from './context.ts';
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
 * Runs one attempt of a mutation, and runs it again while it fails because PostgreSQL rolled its transaction back
 * and asks for a retry (a serialization failure, a deadlock) or because it lost a replay race: a bounded number
 * of times, with jittered backoff; nothing else is retried. An attempt fails by throwing or by a failed result.
 */
async function withRetries<R extends { ok: true } | { ok: false; error: TRPCError }>(
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
export const userMutation = actingUser.use(({ ctx, next, path }) =>
  withRetries(ctx.observer, path, async () => {
    let failure: Awaited<ReturnType<typeof next<{ em: EntityManager }>>> | undefined;
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
      if (thrown instanceof Rollback && failure) return failure;
      throw thrown;
    }
  }),
);

/**
 * A mutation whose usual case is one statement, which PostgreSQL runs and commits on its own, atomically, with
 * no BEGIN and COMMIT around it: `ctx.em` is outside any transaction, and the procedure runs whatever takes more
 * than that one statement in `ctx.transaction`. The procedure must write nothing on `ctx.em` but that one
 * statement. Retried as userMutation is. Two round trips fewer per call, on the hottest path (message.append and
 * appendRound: bench/README.md).
 */
export const oneStatementMutation = actingUser.use(({ ctx, next, path }) =>
  withRetries(ctx.observer, path, () => {
    const em = ctx.orm.em.fork() as EntityManager;
    const transaction: InTransaction = (work) => em.transactional(work);
    return next({ ctx: { em, transaction } });
  }),
);
