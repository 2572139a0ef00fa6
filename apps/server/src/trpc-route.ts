import type { AppRouter, Context } from '@threadstore/api';
import {
  type AnyTRPCProcedure,
  callTRPCProcedure,
  getTRPCErrorFromUnknown,
  getTRPCErrorShape,
  TRPCError,
  transformTRPCResponse,
} from '@trpc/server';
import { type FastifyTRPCPluginOptions, fastifyRequestHandler } from '@trpc/server/adapters/fastify';
import { getHTTPStatusCode } from '@trpc/server/http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

type TrpcOptions = FastifyTRPCPluginOptions<AppRouter>['trpcOptions'];

export interface TrpcRouteOptions {
  router: AppRouter;
  /** The context of one request; a thrown error becomes the call's error, as in tRPC's adapter. */
  createContext(request: FastifyRequest): Promise<Context>;
  maxBatchSize: number;
  onError: NonNullable<TrpcOptions['onError']>;
  /** Off: every request goes through tRPC's adapter (the tests compare the two paths answer for answer). */
  directSingleCalls?: boolean;
}

/** A single call this route answers itself: its procedure's type and its input, parsed. */
interface SingleCall {
  type: 'query' | 'mutation';
  /** Sent as a batch of one: answered as one, in an array. */
  batch: boolean;
  input: unknown;
}

const ACCEPTED_METHOD = { query: 'GET', mutation: 'POST' } as const;

/** The router's procedures by path, as tRPC keeps them. */
type Procedures = Record<string, AnyTRPCProcedure>;

function isJsonContentType(value: string | undefined): boolean {
  return value?.toLowerCase().split(';', 1)[0]?.trim() === 'application/json';
}

function asksForStream(request: FastifyRequest): boolean {
  const { accept } = request.headers;
  return (
    request.headers['trpc-accept'] !== undefined ||
    (typeof accept === 'string' && accept.split(',').some((type) => type.trim() === 'application/jsonl'))
  );
}

/**
 * The call in `request` if it is one this route answers itself: one query by GET or one mutation by POST, to a
 * procedure that exists, with an input that parses, sent alone or as a batch of one (`?batch=1`, what tRPC's
 * `httpBatchLink` sends for a call made on its own). Anything else (a batch of several, a stream, a wrong method,
 * an unknown or encoded path, a query parameter tRPC would not expect, a body that is not JSON) is left to tRPC's
 * adapter, so its answer to those stays tRPC's own.
 */
function singleCall(
  router: AppRouter,
  procedures: Procedures,
  request: FastifyRequest,
  path: string,
): SingleCall | undefined {
  if (request.method !== 'GET' && request.method !== 'POST') return undefined;
  if (path.includes('%') || path.includes(',') || asksForStream(request)) return undefined;
  const procedure = Object.hasOwn(procedures, path) ? procedures[path] : undefined;
  const type = procedure?._def.type;
  if (!procedure || (type !== 'query' && type !== 'mutation') || ACCEPTED_METHOD[type] !== request.method) {
    return undefined;
  }
  const queryStart = request.url.indexOf('?');
  const query = queryStart < 0 ? undefined : new URLSearchParams(request.url.slice(queryStart + 1));
  let batch = false;
  for (const [key, value] of query ?? []) {
    if (key === 'batch' && value === '1' && !batch) batch = true;
    else if (key !== 'input' || request.method !== 'GET') return undefined;
  }
  let text: unknown;
  if (request.method === 'GET') text = query?.get('input') ?? undefined;
  else if (isJsonContentType(request.headers['content-type'])) text = request.body;
  else return undefined;
  if (text === undefined) return { type, batch, input: undefined };
  if (typeof text !== 'string') return undefined;
  let sent: unknown;
  try {
    sent = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (batch && (typeof sent !== 'object' || sent === null || Array.isArray(sent))) return undefined;
  const input = batch ? (sent as Record<string, unknown>)[0] : sent;
  const { deserialize } = router._def._config.transformer.input;
  return { type, batch, input: input === undefined ? undefined : deserialize(input) };
}

/** A procedure's answer of a shape only tRPC's streaming links can carry. */
function isDataStream(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (Symbol.asyncIterator in value) return true;
  return Object.values(value).some(
    (entry) =>
      entry instanceof Promise || (typeof entry === 'object' && entry !== null && Symbol.asyncIterator in entry),
  );
}

/** An AbortSignal that fires when the client goes away before its answer is written, as tRPC's adapter gives. */
function clientGone(request: FastifyRequest, reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableEnded) controller.abort();
  });
  request.raw.once('aborted', () => controller.abort());
  return controller.signal;
}

/**
 * tRPC at `/trpc/:path`. A single query or mutation, alone or as a batch of one (what agent services and the web
 * client send for a call made on its own), is answered here through tRPC's own `callTRPCProcedure`, error shape,
 * status codes and transformer, without the fetch `Request` and `Response` (and their web streams) that tRPC's
 * adapter builds around each call: answering here took a quarter off a round's server CPU (bench/README.md).
 * Everything else, batches of several among them, goes to tRPC's adapter unchanged.
 */
export function registerTrpcRoute(api: FastifyInstance, options: TrpcRouteOptions): void {
  const { router } = options;
  const config = router._def._config;
  const procedures = router._def.procedures as unknown as Procedures;
  const direct = options.directSingleCalls ?? true;
  // As tRPC's plugin does: its handler parses JSON itself, and form data reaches it as the raw stream.
  api.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => done(null, body));
  api.addContentTypeParser('multipart/form-data', (_request, body, done) => done(null, body));

  const adapterOptions: TrpcOptions = {
    router,
    createContext: ({ req }) => options.createContext(req),
    maxBatchSize: options.maxBatchSize,
    onError: options.onError,
  };

  api.all<{ Params: { path: string } }>('/trpc/:path', async (request, reply) => {
    const path = request.params.path;
    const call = direct ? singleCall(router, procedures, request, path) : undefined;
    if (!call) return fastifyRequestHandler({ ...adapterOptions, req: request, res: reply, path });

    let ctx: Context | undefined;
    // As in tRPC's adapter, errors see the input only once the procedure has asked for it.
    let inputRead = false;
    let answer: { result: { data: unknown } } | { error: ReturnType<typeof getTRPCErrorShape> };
    try {
      ctx = await options.createContext(request);
      const data = await callTRPCProcedure({
        router,
        path,
        getRawInput: async () => {
          inputRead = true;
          return call.input;
        },
        ctx,
        type: call.type,
        signal: clientGone(request, reply),
        batchIndex: 0,
      });
      if (isDataStream(data)) {
        throw new TRPCError({
          code: 'UNSUPPORTED_MEDIA_TYPE',
          message: 'Cannot use stream-like response in non-streaming request - use httpBatchStreamLink',
        });
      }
      answer = { result: { data } };
    } catch (cause) {
      const error: TRPCError = getTRPCErrorFromUnknown(cause);
      const input = inputRead ? call.input : undefined;
      options.onError({ error, path, input, ctx, type: call.type, req: request });
      answer = { error: getTRPCErrorShape({ config, error, type: call.type, path, input, ctx }) };
    }
    return reply
      .code(getHTTPStatusCode(answer))
      .header('vary', 'trpc-accept, accept')
      .header('content-type', 'application/json')
      .send(Buffer.from(JSON.stringify(transformTRPCResponse(config, call.batch ? [answer] : answer))));
  });
}
