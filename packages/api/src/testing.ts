// Helpers for this package's tests: callers acting as a user or a service, on a test database of their own.
import type { MikroORM } from '@mikro-orm/postgresql';
import { TRPCError } from '@trpc/server';
import { ZodError } from 'zod';
import { createInnerContext, type Identity } from './context.ts';
import { createCaller } from './root.ts';

export function callerFor(orm: MikroORM, userId: string) {
  const identity: Identity = { tokenId: `test-${userId}`, kind: 'user', userId };
  return createCaller(createInnerContext({ orm, identity }));
}

export function serviceCaller(orm: MikroORM) {
  return createCaller(
    createInnerContext({ orm, identity: { tokenId: 'test-service', kind: 'service', userId: null } }),
  );
}

export function anonymousCaller(orm: MikroORM) {
  return createCaller(createInnerContext({ orm }));
}

export const text = (value: string) => ({ type: 'text' as const, text: value });

/** The code and message a call failed with (input errors worded as the HTTP layer words them), or code 'OK'. */
export async function failure(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    if (!(error instanceof TRPCError)) throw error;
    const issues = error.cause instanceof ZodError ? error.cause.issues : [];
    const message = issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ') || error.message;
    return { code: error.code, message };
  }
  return { code: 'OK', message: '' };
}

export const codeOf = async (promise: Promise<unknown>) => (await failure(promise)).code;
