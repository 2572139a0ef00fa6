import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

const repositoryRoot = fileURLToPath(new URL('../../../../', import.meta.url));

const booleanFlag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

/** Every variable threadstore reads; `.env.example` documents each of them. */
export const envSchema = z.object({
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/, error: 'DATABASE_URL must be a postgres:// URL' }).optional(),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  MIGRATE_ON_START: booleanFlag.default(true),
  DATA_DIR: z.string().min(1).default(path.join(repositoryRoot, '.data')),
  EMBEDDED_PG_PORT: z.coerce.number().int().min(1).max(65535).default(54329),
  DB_POOL_MAX: z.coerce.number().int().min(1).max(200).default(20),
  DB_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).default(3000),
  DB_POOL_ACQUIRE_TIMEOUT_MS: z.coerce.number().int().min(100).default(10000),
  DB_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(100).default(15000),
  DB_IDLE_IN_TRANSACTION_TIMEOUT_MS: z.coerce.number().int().min(100).default(30000),
  DB_PREPARED_STATEMENTS: booleanFlag.default(true),
  BODY_LIMIT_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(4 * 1024 * 1024),
  MAX_BATCH_SIZE: z.coerce.number().int().min(1).max(1000).default(32),
  MAX_JSON_DEPTH: z.coerce.number().int().min(8).max(1000).default(64),
  MAX_PARTS_PER_MESSAGE: z.coerce.number().int().min(1).default(2000),
  MAX_PART_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(2 * 1024 * 1024),
  MAX_METADATA_BYTES: z.coerce
    .number()
    .int()
    .min(256)
    .default(256 * 1024),
  LIST_METADATA_BYTES: z.coerce.number().int().min(0).default(4096),
  LIST_PAGE_BYTES: z.coerce
    .number()
    .int()
    .min(65536)
    .default(4 * 1024 * 1024),
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).default(6000),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(100).default(10000),
  WEB_DIST_DIR: z.string().min(1).default(path.join(repositoryRoot, 'apps/web/dist')),
  STREAM_STALE_AFTER_SECONDS: z.coerce.number().int().min(5).default(600),
});
export type Env = z.infer<typeof envSchema>;

let parsed: Env | undefined;

/** Parses the environment once; a bad value stops the process with a message naming the variable. */
export function loadEnv(source: NodeJS.ProcessEnv = process.env): Env {
  if (source === process.env && parsed) return parsed;
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, value]) => value !== undefined && value !== ''));
  const result = envSchema.safeParse(cleaned);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new Error(`Invalid environment: ${problems}`);
  }
  if (source === process.env) parsed = result.data;
  return result.data;
}
