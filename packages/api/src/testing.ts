// Helpers for this package's tests: callers acting as a user or a service, on a test database of their own.
import type { MikroORM } from '@mikro-orm/postgresql';
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
