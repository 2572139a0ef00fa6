import { createTestDatabase, type TestDatabase } from '@threadstore/shared/testing';
import { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createInnerContext, type Identity, type Observer } from './context.ts';
import { appRouter, createCaller } from './root.ts';
import { createCallerFactory, outputParser, publicProcedure, router } from './trpc.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.drop());

const shaped = z.object({ id: z.string(), tags: z.array(z.string()) });
const testRouter = router({
  leaky: publicProcedure.output(outputParser(shaped)).query(() => ({ id: 'a', tags: ['x'], tokenHash: 'secret' })),
  wrong: publicProcedure.output(outputParser(shaped)).query(() => ({ id: 42 }) as unknown as z.output<typeof shaped>),
});
const caller = () => createCallerFactory(testRouter)(createInnerContext({ orm: db.orm }));

describe('outputParser', () => {
  it('answers with what the schema describes, unknown fields dropped', async () => {
    expect(await caller().leaky()).toEqual({ id: 'a', tags: ['x'] });
  });

  it('refuses an output the schema does not describe, as a server error', async () => {
    const failure = await caller()
      .wrong()
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(failure).toBeInstanceOf(TRPCError);
    // The response says no more than that (errors.ts); the schema's complaint stays in the cause, for the log.
    expect(failure).toMatchObject({ code: 'INTERNAL_SERVER_ERROR', message: 'Internal error.' });
    expect((failure as Error).cause).toBeInstanceOf(z.ZodError);
  });

  it('checks the output of every procedure of the app router', () => {
    // A bare zod schema would still validate, through parseAsync (slower), and no output at all would let a
    // procedure answer with whatever it returns: both show up here as something other than a function.
    const procedures = (
      appRouter as unknown as { _def: { procedures: Record<string, { _def: { output?: unknown } }> } }
    )._def.procedures;
    const unchecked = Object.entries(procedures)
      .filter(([, procedure]) => typeof procedure._def.output !== 'function')
      .map(([name]) => name);
    expect(Object.keys(procedures).length).toBeGreaterThan(30);
    expect(unchecked).toEqual([]);
  });
});

describe('who a call acts for', () => {
  const calls: { procedure: string; code: string }[] = [];
  const observer: Observer = {
    transactionRetried() {},
    callFinished: (procedure, code) => calls.push({ procedure, code }),
  };
  const callerAs = (identity: Identity | null) => createCaller(createInnerContext({ orm: db.orm, identity, observer }));
  const user = () => callerAs({ tokenId: 't-user', kind: 'user', userId: 'erin' });
  const service = () => callerAs({ tokenId: 't-service', kind: 'service', userId: null });
  const anonymous = () => callerAs(null);
  const codeOf = (call: Promise<unknown>) =>
    call.then(
      () => 'OK',
      (error: unknown) => (error instanceof TRPCError ? error.code : 'not a TRPCError'),
    );
  // One procedure of each kind: a query, a mutation in a transaction, a one-statement mutation.
  const round = {
    user: { parts: [{ type: 'text' as const, text: 'hi' }] },
    assistant: { parts: [{ type: 'text' as const, text: 'hello' }] },
  };
  const kinds = {
    query: (caller: ReturnType<typeof user>, input: { userId?: string }) => caller.conversation.list(input),
    mutation: (caller: ReturnType<typeof user>, input: { userId?: string }) => caller.conversation.create(input),
    oneStatement: (caller: ReturnType<typeof user>, input: { userId?: string }) =>
      caller.message.appendRound({ ...input, conversationId: crypto.randomUUID(), ...round }),
  };

  it.each(Object.entries(kinds))('holds for a %s: token, service user, own user only', async (_kind, call) => {
    calls.length = 0;
    expect(await codeOf(call(anonymous(), {}))).toBe('UNAUTHORIZED');
    expect(await codeOf(call(service(), {}))).toBe('BAD_REQUEST');
    expect(await codeOf(call(user(), { userId: 'dave' }))).toBe('FORBIDDEN');
    expect(await codeOf(call(service(), { userId: 'dave' }))).toBe('OK');
    expect(await codeOf(call(user(), {}))).toBe('OK');
    // Every outcome is counted once, refusals included.
    expect(calls.map((entry) => entry.code)).toEqual(['UNAUTHORIZED', 'BAD_REQUEST', 'FORBIDDEN', 'OK', 'OK']);
  });

  it('refuses a call without a token before any schema sees its input', async () => {
    const malformed = { conversationId: 42, user: 'not a message' } as unknown as Parameters<
      ReturnType<typeof anonymous>['message']['appendRound']
    >[0];
    expect(await codeOf(anonymous().message.appendRound(malformed))).toBe('UNAUTHORIZED');
    expect(await codeOf(user().message.appendRound(malformed))).toBe('BAD_REQUEST');
  });
});
