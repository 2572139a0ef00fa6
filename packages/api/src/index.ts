import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from './root.ts';

export {
  type Context,
  createInnerContext,
  DEFAULT_LIST_LIMITS,
  type Identity,
  type InnerContext,
  type ListLimits,
  type Logger,
  type Observer,
} from './context.ts';
export { toTRPCError } from './errors.ts';
export { DEFAULT_INPUT_LIMITS, type InputLimits } from './input-guard.ts';
export { type AppRouter, appRouter, createCaller } from './root.ts';
export { abortStaleStreams } from './services/messages.ts';
export {
  authenticate,
  countLiveTokens,
  createToken,
  hashToken,
  listTokens,
  revokeToken,
  TOKEN_CACHE_MS,
  type TokenRecord,
} from './tokens.ts';

export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;
