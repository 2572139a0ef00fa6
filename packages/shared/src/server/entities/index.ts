export { API_TOKEN_KINDS, ApiToken, type ApiTokenKind, ApiTokenSchema } from './api-token.ts';
export { Context, ContextSchema } from './context.ts';
export { Conversation, ConversationSchema } from './conversation.ts';
export { Message, MessageSchema } from './message.ts';
export { Note, NoteSchema } from './note.ts';
export { KEEP_UPDATED_AT_SETTING } from './triggers.ts';

import { ApiTokenSchema } from './api-token.ts';
import { ContextSchema } from './context.ts';
import { ConversationSchema } from './conversation.ts';
import { MessageSchema } from './message.ts';
import { NoteSchema } from './note.ts';

export const entities = [ConversationSchema, MessageSchema, ContextSchema, NoteSchema, ApiTokenSchema];
