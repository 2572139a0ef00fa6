import { createHash, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import rateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import type { MikroORM } from '@mikro-orm/postgresql';
import {
  appRouter,
  authenticate,
  type Context,
  createInnerContext,
  DEFAULT_INPUT_LIMITS,
  DEFAULT_LIST_LIMITS,
  type InputLimits,
  type ListLimits,
  toTRPCError,
} from '@threadstore/api';
import Fastify, { type FastifyError, type FastifyReply, type FastifyRequest, LogController } from 'fastify';
import type { Logger } from 'pino';
import { answerClientError, describeHttpError, readRestOfBody, trpcErrorBody } from './http-errors.ts';
import { Metrics } from './metrics.ts';
import { registerTrpcRoute } from './trpc-route.ts';

export interface ServerLimits {
  bodyLimitBytes: number;
  maxBatchSize: number;
  /** Requests per minute per bearer token (per client address without one); 0 turns the limit off. */
  rateLimitPerMinute: number;
  input: InputLimits;
  list: ListLimits;
}

export const DEFAULT_SERVER_LIMITS: ServerLimits = {
  bodyLimitBytes: 4 * 1024 * 1024,
  maxBatchSize: 32,
  rateLimitPerMinute: 6000,
  input: DEFAULT_INPUT_LIMITS,
  list: DEFAULT_LIST_LIMITS,
};

export interface AppOptions {
  orm: MikroORM;
  /** Folder with the built web client; `/` serves it when it exists. */
  webDistDir?: string;
  /** The process's logger (see logging.ts); none: the app logs nothing. */
  logger?: Logger;
  limits?: Partial<ServerLimits>;
  /** Off: every tRPC request goes through tRPC's own adapter (see trpc-route.ts). */
  directSingleCalls?: boolean;
}

const REQUEST_ID_HEADER = 'x-request-id';

/** What one request did, for its log line: who called, which procedures, with which outcomes. */
interface RequestNote {
  user?: string;
  calls: { procedure: string; code: string }[];
}

/** The rate-limit key: a hash of the bearer token (never the token itself), else the client's address. */
function rateLimitKey(request: FastifyRequest): string {
  const header = request.headers.authorization;
  if (header) return `token:${createHash('sha256').update(header).digest('base64url').slice(0, 22)}`;
  return `ip:${request.ip}`;
}

function procedureNames(): Set<string> {
  return new Set(Object.keys((appRouter as unknown as { _def: { procedures: object } })._def.procedures));
}

/** The HTTP runtime: tRPC at /trpc, health, readiness, metrics, and the web client at /. */
export async function buildApp(options: AppOptions) {
  const { orm } = options;
  const limits: ServerLimits = { ...DEFAULT_SERVER_LIMITS, ...options.limits };
  const procedures = procedureNames();
  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    // One line per request, written by the onResponse hook below.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: limits.bodyLimitBytes,
    requestIdHeader: REQUEST_ID_HEADER,
    genReqId: () => randomUUID(),
    routerOptions: { maxParamLength: 5000 },
    clientErrorHandler: answerClientError,
  });
  const notes = new WeakMap<FastifyRequest, RequestNote>();
  const noteOf = (request: FastifyRequest): RequestNote => {
    let note = notes.get(request);
    if (!note) {
      note = { calls: [] };
      notes.set(request, note);
    }
    return note;
  };

  // While closing, every response ends its connection: a keep-alive socket left idle after its last answer
  // would otherwise hold the shutdown open until the keep-alive timeout.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (request, reply) => {
    reply.header(REQUEST_ID_HEADER, request.id);
    if (closing) reply.header('connection', 'close');
    else if (reply.getHeader('connection') === 'close' && (await readRestOfBody(request.raw))) {
      reply.removeHeader('connection');
    }
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const seconds = reply.elapsedTime / 1000;
    metrics.observeRequest(request.method, route, reply.statusCode, seconds);
    const note = notes.get(request);
    const failed = note?.calls.filter((call) => call.code !== 'OK') ?? [];
    request.log.info(
      {
        method: request.method,
        route,
        procedure: note?.calls.map((call) => call.procedure).join(',') || undefined,
        user: note?.user,
        status: reply.statusCode,
        outcome:
          failed.length > 0 ? failed.map((call) => call.code).join(',') : reply.statusCode < 400 ? 'OK' : 'ERROR',
        durationMs: Math.round(reply.elapsedTime * 10) / 10,
      },
      'request',
    );
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
  const metrics = new Metrics(orm, procedures, ping);
  await metrics.instrumentPool();
  app.get('/readyz', async (request, reply) => {
    if (await ping()) return { status: 'ok', database: 'ok' };
    request.log.warn('readiness check: database unreachable');
    return reply.code(503).send({ status: 'unavailable', database: 'unreachable' });
  });
  app.get('/metrics', async (_request, reply) => {
    reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });

  const createContext = async (req: FastifyRequest): Promise<Context> => {
    let identity: Awaited<ReturnType<typeof authenticate>>;
    try {
      identity = await authenticate(orm, req.headers.authorization);
    } catch (error) {
      throw toTRPCError(error);
    }
    const note = noteOf(req);
    note.user = identity?.userId ?? (identity ? `service:${identity.tokenId}` : undefined);
    // req.log is Fastify's logger for this request: every line a procedure writes carries its request id.
    return createInnerContext({
      orm,
      identity,
      log: req.log,
      limits: limits.input,
      listLimits: limits.list,
      observer: {
        transactionRetried: (procedure, reason) => metrics.transactionRetried(procedure, reason),
        callFinished(procedure, code, seconds) {
          metrics.observeCall(procedure, code, seconds);
          note.calls.push({ procedure: metrics.procedure(procedure), code });
        },
      },
    });
  };

  await app.register(async (api) => {
    // Only JSON reaches tRPC: any other body is refused with a message saying what to send.
    api.removeAllContentTypeParsers();
    api.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      const { status, message } = describeHttpError(error, limits.bodyLimitBytes);
      if (status >= 500) request.log.error({ err: error }, 'request failed');
      return reply.code(status).send(trpcErrorBody(status, message));
    });
    if (limits.rateLimitPerMinute > 0) {
      await api.register(rateLimit, {
        max: limits.rateLimitPerMinute,
        timeWindow: 60_000,
        keyGenerator: rateLimitKey,
        onExceeded: () => metrics.rateLimited(),
        errorResponseBuilder: (_request, context) =>
          Object.assign(new Error(`Too many requests for this token; retry in ${Math.ceil(context.ttl / 1000)} s.`), {
            statusCode: 429,
          }),
      });
    }
    registerTrpcRoute(api, {
      router: appRouter,
      createContext,
      maxBatchSize: limits.maxBatchSize,
      directSingleCalls: options.directSingleCalls,
      onError({ error, path: procedure, ctx }) {
        // The full cause goes to the log with the request id; the response carries threadstore's words only.
        if (error.code === 'INTERNAL_SERVER_ERROR') {
          ctx?.log.error({ err: error.cause ?? error, procedure }, 'procedure failed');
        } else if (error.cause && !(error.cause instanceof Error && error.cause.name === 'ZodError')) {
          ctx?.log.warn({ err: error.cause, procedure, code: error.code }, 'procedure refused');
        }
      },
    });
  });

  const webDistDir = options.webDistDir;
  const notFound = (reply: FastifyReply) => reply.code(404).send(trpcErrorBody(404, 'No such path.'));
  if (webDistDir && existsSync(path.join(webDistDir, 'index.html'))) {
    await app.register(fastifyStatic, { root: webDistDir, prefix: '/', wildcard: false });
    // Deep links (/c/<id>) are the web client's routes: hand them its page.
    app.setNotFoundHandler((request, reply) => {
      if (request.method === 'GET' && !request.url.startsWith('/trpc')) return reply.sendFile('index.html');
      return notFound(reply);
    });
  } else {
    app.setNotFoundHandler((_request, reply) => notFound(reply));
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
