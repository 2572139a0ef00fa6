import { contextRouter } from './routers/context.ts';
import { conversationRouter } from './routers/conversation.ts';
import { messageRouter } from './routers/message.ts';
import { noteRouter } from './routers/note.ts';
import { searchRouter } from './routers/search.ts';
import { transferRouter } from './routers/transfer.ts';
import { createCallerFactory, router } from './trpc.ts';

export const appRouter = router({
  conversation: conversationRouter,
  message: messageRouter,
  context: contextRouter,
  note: noteRouter,
  search: searchRouter,
  transfer: transferRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
