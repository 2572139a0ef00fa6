import { searchMessagesInput, searchPage } from '@threadstore/shared';
import { searchMessages } from '../services/search.ts';
import { outputParser, router, userProcedure } from '../trpc.ts';

export const searchRouter = router({
  messages: userProcedure
    .input(searchMessagesInput)
    .output(outputParser(searchPage))
    .query(({ ctx, input }) => searchMessages(ctx.em, ctx.userId, input)),
});
