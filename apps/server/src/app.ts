import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { MikroORM } from '@mikro-orm/postgresql';
import {
  type AppRouter,
  appRouter,
  authenticate,
  type Context,
  createInnerContext,
  toTRPCError,
} from '@threadstore/api';
import {
  type CreateFastifyContextOptions,
  type FastifyTRPCPluginOptions,
  fastifyTRPCPlugin,
} from '@trpc/server/adapters/fastify';
import Fastify, { type FastifyServerOptions } from 'fastify';
import { Metrics } from './metrics.ts';

export interface AppOptions {
  orm: MikroORM;
  /** Folder with the built web client; `/` serves it when it exists. */
  webDistDir?: string;
  logger?: FastifyServerOptions['logger'];
}

const REQUEST_ID_HEADER = 'x-request-id';

/** The HTTP runtime: tRPC at /trpc, health, readiness, metrics, and the web client at /. */
export async function buildApp(options: AppOptions) {
  const { orm } = options;
  const metrics = new Metrics();
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: 16 * 1024 * 1024,
    requestIdHeader: REQUEST_ID_HEADER,
    genReqId: () => randomUUID(),
    routerOptions: { maxParamLength: 5000 },
  });

  // While closing, every response ends its connection: a keep-alive socket left idle after its last answer
  // would otherwise hold the shutdown open until the keep-alive timeout.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (request, reply) => {
    reply.header(REQUEST_ID_HEADER, request.id);
    if (closing) reply.header('connection', 'close');
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.url.startsWith('/trpc/')
      ? (request.url.split('?')[0] ?? request.url)
      : (request.routeOptions.url ?? 'unmatched');
    metrics.observe(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
  });

  app.get('/healthz', async () => ({ status: 'ok' }));

  const ping = async (): Promise<boolean> => {
    try {
      await orm.em.fork().execute('select 1');
      return true;
    } catch {
      return false;
    }
  };
  app.get('/readyz', async (request, reply) => {
    if (await ping()) return { status: 'ok', database: 'ok' };
    request.log.warn('readiness check: database unreachable');
    return reply.code(503).send({ status: 'unavailable', database: 'unreachable' });
  });
  app.get('/metrics', async (_request, reply) => {
    const databaseUp = await ping();
    const pool = databaseUp ? await orm.em.getConnection().getNativeClient() : undefined;
    reply.type('text/plain; version=0.0.4');
    return metrics.render({
      threadstore_database_up: databaseUp ? 1 : 0,
      threadstore_db_pool_connections: pool?.totalCount ?? 0,
      threadstore_db_pool_idle: pool?.idleCount ?? 0,
      threadstore_db_pool_waiting: pool?.waitingCount ?? 0,
    });
  });

  const createContext = async ({ req }: CreateFastifyContextOptions): Promise<Context> => {
    let identity: Awaited<ReturnType<typeof authenticate>>;
    try {
      identity = await authenticate(orm, req.headers.authorization);
    } catch (error) {
      throw toTRPCError(error);
    }
    return { ...createInnerContext({ orm, identity, log: req.log }), request: { id: req.id, ip: req.ip } };
  };
  await app.register(fastifyTRPCPlugin, {
    prefix: '/trpc',
    trpcOptions: {
      router: appRouter,
      createContext,
      onError({ error, path: procedure, ctx }) {
        if (error.code === 'INTERNAL_SERVER_ERROR') {
          ctx?.log.error({ err: error.cause ?? error, procedure }, 'procedure failed');
        }
      },
    },
  } satisfies FastifyTRPCPluginOptions<AppRouter>);

  const webDistDir = options.webDistDir;
  if (webDistDir && existsSync(path.join(webDistDir, 'index.html'))) {
    await app.register(fastifyStatic, { root: webDistDir, prefix: '/', wildcard: false });
    // Deep links (/c/<id>) are the web client's routes: hand them its page.
    app.setNotFoundHandler((request, reply) => {
      if (request.method === 'GET' && !request.url.startsWith('/trpc')) return reply.sendFile('index.html');
      return reply.code(404).send({ error: 'not found' });
    });
  } else {
    app.get('/', async (_request, reply) =>
      reply
        .type('text/html')
        .send(
          '<!doctype html><html><body><p>The web client is not built: run <code>pnpm start</code> from the repository root.</p></body></html>',
        ),
    );
  }
  return app;
}
