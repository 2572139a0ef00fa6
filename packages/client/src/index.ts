export type { RouterInputs, RouterOutputs } from '@threadstore/api';
export type { JsonValue, MessagePart } from '@threadstore/shared';
export { createThreadstoreClient, type ThreadstoreClient, type ThreadstoreClientOptions } from './client.ts';
export { GatewayUnavailableError, isTransient, type RetryOptions } from './links.ts';
export {
  CONVERSATION_HISTORY_ACTION,
  type LoadedSessionState,
  loadSessionState,
  type SavedSessionState,
  type SaveSessionStateInput,
  type SessionNote,
  saveSessionState,
  TACTICS_ACTION,
} from './session-state.ts';
export { type AssistantStream, type AssistantStreamOptions, startAssistantStream } from './stream.ts';
