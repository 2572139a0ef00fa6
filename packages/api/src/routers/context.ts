import {
  contextDeleteInput,
  contextDeleteResult,
  contextDto,
  contextKeyInput,
  contextListInput,
  contextPage,
  contextSaveInput,
  contextSetFieldInput,
} from '@threadstore/shared';
import { deleteContexts, getContext, listContexts, saveContext, setContextField } from '../services/contexts.ts';
import { outputParser, router, userMutation, userProcedure } from '../trpc.ts';

export const contextRouter = router({
  save: userMutation
    .input(contextSaveInput)
    .output(outputParser(contextDto))
    .mutation(({ ctx, input }) => saveContext(ctx.em, ctx.userId, input)),
  get: userProcedure
    .input(contextKeyInput)
    .output(outputParser(contextDto))
    .query(({ ctx, input }) => getContext(ctx.em, ctx.userId, input)),
  list: userProcedure
    .input(contextListInput)
    .output(outputParser(contextPage))
    .query(({ ctx, input }) => listContexts(ctx.em, ctx.userId, input)),
  delete: userMutation
    .input(contextDeleteInput)
    .output(outputParser(contextDeleteResult))
    .mutation(({ ctx, input }) => deleteContexts(ctx.em, ctx.userId, input)),
  setField: userMutation
    .input(contextSetFieldInput)
    .output(outputParser(contextDto))
    .mutation(({ ctx, input }) => setContextField(ctx.em, ctx.userId, input)),
});
