import type { EntityManager } from '@mikro-orm/postgresql';
import { actingUserInput } from '@threadstore/shared';
import { initTRPC, TRPCError } from '@trpc/server';
import { ZodError } from 'zod';
import type { Context } from './context.ts';
import { toTRPCError } from './errors.ts';

/** "parts.2.toolCallId: must not be empty; role: ..." — what a caller needs to fix, field by field. */
function describeZodError(error: ZodError): string {
  return error.issues
    .map((issue) => (issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message))
    .join('; ');
}

const t = initTRPC.context<Context>().create({
  // Stack traces stay in the server's log, never in responses.
  isDev: false,
  errorFormatter({ shape, error }) {
    if (error.code === 'BAD_REQUEST' && error.cause instanceof ZodError) {
      return {
        ...shape,
        message: describeZodError(error.cause),
        data: { ...shape.data, issues: error.cause.issues.map(({ path, message }) => ({ path, message })) },
      };
    }
    return shape;
  },
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

/** Every failure leaves through `toTRPCError`, so ORM and PostgreSQL errors get their codes in one place. */
const mapErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (result.ok || result.error.code !== 'INTERNAL_SERVER_ERROR' || result.error.cause === undefined) return result;
  return { ...result, error: toTRPCError(result.error.cause) };
});

/** A fresh EntityManager per call: tRPC runs the calls of one batch concurrently on one context. */
const forkEntityManager = t.middleware(({ ctx, next }) => next({ ctx: { em: ctx.orm.em.fork() as EntityManager } }));

export const publicProcedure = t.procedure.use(mapErrors);

const authenticated = publicProcedure.use(({ ctx, next }) => {
  if (!ctx.identity) {
    throw new TRPCError({ code: 'UNAUTHORIZED', message: 'A valid bearer token is required.' });
  }
  return next({ ctx: { identity: ctx.identity } });
});

/**
 * A call on behalf of one user: a user token acts for its own user, a service token for the `userId` it
 * names in the input.
 */
export const userProcedure = authenticated
  .input(actingUserInput)
  .use(({ ctx, input, next }) => {
    const { identity } = ctx;
    let userId: string;
    if (identity.kind === 'service') {
      if (!input.userId) {
        throw new TRPCError({ code: 'BAD_REQUEST', message: 'userId: a service token must name the user it acts for' });
      }
      userId = input.userId;
    } else {
      if (input.userId !== undefined && input.userId !== identity.userId) {
        throw new TRPCError({ code: 'FORBIDDEN', message: 'userId: a user token can only act for its own user' });
      }
      userId = identity.userId as string;
    }
    return next({ ctx: { userId } });
  })
  .use(forkEntityManager);

class Rollback extends Error {}

/** Each mutation is one unit of work: one transaction, committed only when the procedure succeeds. */
export const userMutation = userProcedure.use(async ({ ctx, next }) => {
  let failure: Awaited<ReturnType<typeof next>> | undefined;
  try {
    return await ctx.em.transactional(async (em) => {
      const result = await next({ ctx: { em } });
      if (!result.ok) {
        failure = result;
        throw new Rollback();
      }
      return result;
    });
  } catch (error) {
    if (failure && error instanceof Rollback) return failure;
    throw error;
  }
});
