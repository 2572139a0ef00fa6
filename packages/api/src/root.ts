import { conversationRouter } from './routers/conversation.ts';
import { messageRouter } from './routers/message.ts';
import { createCallerFactory, router } from './trpc.ts';

export const appRouter = router({
  conversation: conversationRouter,
  message: messageRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
