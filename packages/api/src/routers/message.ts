import {
  appendRoundResult,
  messageAppendInput,
  messageAppendPartsInput,
  messageAppendRoundInput,
  messageAroundInput,
  messageAroundPage,
  messageDto,
  messageFinishInput,
  messageIdInput,
  messageListInput,
  messagePage,
  messageRecentInput,
  messageStartInput,
  messageUpdateInput,
} from '@threadstore/shared';
import { z } from 'zod';
import {
  appendMessages,
  appendParts,
  deleteMessage,
  finishMessage,
  getMessage,
  listMessages,
  messagesAround,
  recentMessages,
  startMessage,
  updateMessage,
} from '../services/messages.ts';
import { oneStatementMutation, outputParser, router, userMutation, userProcedure } from '../trpc.ts';

export const messageRouter = router({
  append: oneStatementMutation
    .input(messageAppendInput)
    .output(outputParser(messageDto))
    .mutation(async ({ ctx, input }) => {
      const { conversationId, ...body } = input;
      const [message] = await appendMessages(
        ctx.em,
        ctx.userId,
        conversationId,
        [{ body, status: 'complete' }],
        ctx.transaction,
      );
      return message as z.infer<typeof messageDto>;
    }),
  /** The seeds' store_conversation_round: the user's message and the reply, both or neither. */
  appendRound: oneStatementMutation
    .input(messageAppendRoundInput)
    .output(outputParser(appendRoundResult))
    .mutation(async ({ ctx, input }) => {
      const [user, assistant] = await appendMessages(
        ctx.em,
        ctx.userId,
        input.conversationId,
        [
          { body: input.user, status: 'complete' },
          { body: input.assistant, status: 'complete' },
        ],
        ctx.transaction,
      );
      return { user: user as z.infer<typeof messageDto>, assistant: assistant as z.infer<typeof messageDto> };
    }),
  list: userProcedure
    .input(messageListInput)
    .output(outputParser(messagePage))
    .query(({ ctx, input }) => listMessages(ctx.em, ctx.userId, input, ctx.listLimits)),
  /** The page around one message (a search hit), with cursors for `list` in both directions. */
  around: userProcedure
    .input(messageAroundInput)
    .output(outputParser(messageAroundPage))
    .query(({ ctx, input }) => messagesAround(ctx.em, ctx.userId, input)),
  recent: userProcedure
    .input(messageRecentInput)
    .output(outputParser(z.array(messageDto)))
    .query(({ ctx, input }) => recentMessages(ctx.em, ctx.userId, input)),
  get: userProcedure
    .input(messageIdInput)
    .output(outputParser(messageDto))
    .query(({ ctx, input }) => getMessage(ctx.em, ctx.userId, input.id)),
  update: userMutation
    .input(messageUpdateInput)
    .output(outputParser(messageDto))
    .mutation(({ ctx, input }) => updateMessage(ctx.em, ctx.userId, input)),
  delete: userMutation
    .input(messageIdInput)
    .output(outputParser(z.object({ id: z.string(), deleted: z.literal(true) })))
    .mutation(({ ctx, input }) => deleteMessage(ctx.em, ctx.userId, input.id)),
  start: userMutation
    .input(messageStartInput)
    .output(outputParser(messageDto))
    .mutation(({ ctx, input }) => startMessage(ctx.em, ctx.userId, input)),
  appendParts: userMutation
    .input(messageAppendPartsInput)
    .output(outputParser(messageDto))
    .mutation(({ ctx, input }) => appendParts(ctx.em, ctx.userId, input)),
  finish: userMutation
    .input(messageFinishInput)
    .output(outputParser(messageDto))
    .mutation(({ ctx, input }) => finishMessage(ctx.em, ctx.userId, input)),
});
