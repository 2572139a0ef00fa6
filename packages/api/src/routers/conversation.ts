import {
  conversationCreateInput,
  conversationDto,
  conversationIdInput,
  conversationListInput,
  conversationPage,
  conversationStats,
  conversationStatsInput,
  conversationUpdateInput,
} from '@threadstore/shared';
import { z } from 'zod';
import {
  conversationStats as computeStats,
  createConversation,
  getConversation,
  listConversations,
  purgeConversation,
  setTrashed,
  updateConversation,
} from '../services/conversations.ts';
import { titleFilter } from '../services/search.ts';
import { outputParser, router, userMutation, userProcedure } from '../trpc.ts';

export const conversationRouter = router({
  create: userMutation
    .input(conversationCreateInput)
    .output(outputParser(conversationDto))
    .mutation(({ ctx, input }) => createConversation(ctx.em, ctx.userId, input)),
  get: userProcedure
    .input(conversationIdInput)
    .output(outputParser(conversationDto))
    .query(({ ctx, input }) => getConversation(ctx.em, ctx.userId, input.id)),
  list: userProcedure
    .input(conversationListInput)
    .output(outputParser(conversationPage))
    .query(({ ctx, input }) => listConversations(ctx.em, ctx.userId, input, titleFilter(input.q), ctx.listLimits)),
  update: userMutation
    .input(conversationUpdateInput)
    .output(outputParser(conversationDto))
    .mutation(({ ctx, input }) => updateConversation(ctx.em, ctx.userId, input)),
  delete: userMutation
    .input(conversationIdInput)
    .output(outputParser(conversationDto))
    .mutation(({ ctx, input }) => setTrashed(ctx.em, ctx.userId, input.id, true)),
  restore: userMutation
    .input(conversationIdInput)
    .output(outputParser(conversationDto))
    .mutation(({ ctx, input }) => setTrashed(ctx.em, ctx.userId, input.id, false)),
  purge: userMutation
    .input(conversationIdInput)
    .output(outputParser(z.object({ id: z.string(), purged: z.literal(true) })))
    .mutation(({ ctx, input }) => purgeConversation(ctx.em, ctx.userId, input.id)),
  stats: userProcedure
    .input(conversationStatsInput)
    .output(outputParser(conversationStats))
    .query(({ ctx, input }) => computeStats(ctx.em, ctx.userId, input)),
});
