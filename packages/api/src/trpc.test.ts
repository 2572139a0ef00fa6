import { createTestDatabase, type TestDatabase } from '@threadstore/shared/testing';
import { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createInnerContext } from './context.ts';
import { appRouter } from './root.ts';
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
