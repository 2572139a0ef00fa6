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

/**
 * The generic plans PostgreSQL keeps for the statements the server prepared on this ORM's one connection whose
 * text contains `fragment` (one at least, or it throws): after five calls it may switch a prepared statement to
 * this plan, made without the parameters' values.
 */
export async function genericPlans(orm: MikroORM, fragment: string): Promise<string[]> {
  const em = orm.em.fork();
  const prepared = await em.execute<{ name: string; parameter_count: string }[]>(
    `select name, cardinality(parameter_types) as parameter_count from pg_prepared_statements
      where strpos(statement, ?) > 0 order by name`,
    [fragment],
  );
  if (prepared.length === 0) throw new Error(`no statement containing "${fragment}" is prepared on this connection`);
  await em.execute('set plan_cache_mode = force_generic_plan');
  try {
    const plans: string[] = [];
    for (const { name, parameter_count: count } of prepared) {
      const nulls = Array.from({ length: Number(count) }, () => 'null').join(', ');
      const plan = await em.execute<{ 'QUERY PLAN': string }[]>(`explain execute "${name}"(${nulls})`);
      plans.push(plan.map((row) => row['QUERY PLAN']).join('\n'));
    }
    return plans;
  } finally {
    await em.execute('reset plan_cache_mode');
  }
}
