export * from './common.ts';
export * from './context.ts';
export * from './conversation.ts';
export * from './message.ts';
export * from './note.ts';
export * from './search.ts';
