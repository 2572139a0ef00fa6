export type { RouterInputs, RouterOutputs } from '@threadstore/api';
export { createThreadstoreClient, type ThreadstoreClient, type ThreadstoreClientOptions } from './client.ts';
export { GatewayUnavailableError, isTransient, type RetryOptions } from './links.ts';
export { type AssistantStream, type AssistantStreamOptions, startAssistantStream } from './stream.ts';
