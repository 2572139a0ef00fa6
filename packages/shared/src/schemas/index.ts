export * from './common.ts';
export * from './conversation.ts';
export * from './message.ts';
