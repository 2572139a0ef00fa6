// Browser-safe entry: zod schemas and pure helpers only. MikroORM lives behind `@threadstore/shared/server`.
export * from './schemas/index.ts';
export * from './search/tokenizer.ts';
