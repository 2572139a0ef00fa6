import { type IncomingMessage, maxHeaderSize, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError } from 'fastify';

/** tRPC's JSON-RPC numbers for the codes the HTTP layer answers by itself, so every error has one shape. */
const HTTP_ERRORS: Record<number, { code: string; rpc: number }> = {
  400: { code: 'BAD_REQUEST', rpc: -32600 },
  404: { code: 'NOT_FOUND', rpc: -32004 },
  405: { code: 'METHOD_NOT_SUPPORTED', rpc: -32005 },
  408: { code: 'TIMEOUT', rpc: -32008 },
  413: { code: 'PAYLOAD_TOO_LARGE', rpc: -32013 },
  415: { code: 'UNSUPPORTED_MEDIA_TYPE', rpc: -32015 },
  429: { code: 'TOO_MANY_REQUESTS', rpc: -32029 },
  431: { code: 'BAD_REQUEST', rpc: -32600 },
  500: { code: 'INTERNAL_SERVER_ERROR', rpc: -32603 },
};

export function trpcErrorBody(status: number, message: string) {
  const known = HTTP_ERRORS[status] ?? (HTTP_ERRORS[500] as { code: string; rpc: number });
  return { error: { message, code: known.rpc, data: { code: known.code, httpStatus: status } } };
}

/** Fastify's own refusals (body parsing, size, rate), worded for a caller and in the tRPC error shape. */
export function describeHttpError(error: FastifyError, bodyLimitBytes: number): { status: number; message: string } {
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { status: 415, message: 'The request body must be JSON, sent with Content-Type: application/json.' };
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: 413, message: `The request body is larger than ${bodyLimitBytes} bytes.` };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { status: 400, message: 'The request body is empty; send the input as JSON.' };
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return { status: 400, message: 'The Content-Length header does not match the body.' };
    default:
      if (error.statusCode === 429) return { status: 429, message: error.message };
      if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
        return { status: error.statusCode, message: 'The request is malformed.' };
      }
      return { status: 500, message: 'Internal error.' };
  }
}

/** Requests Node's parser could not read: the connection cannot carry another request after them. */
function describeClientError(code: string | undefined): { status: number; message: string } {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return {
        status: 431,
        message: `The URL and headers come to more than ${maxHeaderSize} bytes. A query's input travels in its URL: shorten it.`,
      };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { status: 408, message: 'The request did not arrive in time.' };
    default:
      return { status: 400, message: 'The request is not valid HTTP/1.1.' };
  }
}

/** How long a connection that must close keeps reading what its client still sends, so the client reads its answer. */
const LINGER_MS = 2_000;

/**
 * Fastify's `clientErrorHandler`: the refusal in threadstore's words, with `Connection: close` so no client sends
 * another request on a connection about to end. The connection then closes as nginx's lingering close does: its
 * sending side ends at once, but it reads and discards what the client still sends for a moment, since closing a
 * socket with unread data resets it, and a reset can reach the client before the answer does.
 */
export function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const { status, message } = describeClientError(error.code);
  const body = JSON.stringify(trpcErrorBody(status, message));
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }
  socket.end();
  const close = () => socket.destroy();
  setTimeout(close, LINGER_MS).unref();
  socket.once('end', close);
  socket.resume();
}

/** The most of an unread body a refusal reads (and discards) before answering; past it, the connection closes. */
const DRAIN_BYTES = 64 * 1024 * 1024;
const DRAIN_MS = 10_000;

/**
 * Reads and discards the rest of a request's body; true once it has all arrived. Fastify answers a body it refuses
 * unread (over the size limit, not JSON) with `Connection: close`, and the client, still sending, then meets a
 * closed socket instead of the answer (`EPIPE`, `ECONNRESET`). Read to its end, the body is gone and the connection
 * can stay open; a body past `DRAIN_BYTES` or slower than `DRAIN_MS` is left to the close.
 */
export function readRestOfBody(request: IncomingMessage): Promise<boolean> {
  if (request.readableEnded) return Promise.resolve(true);
  if (request.destroyed) return Promise.resolve(false);
  return new Promise((resolve) => {
    let bytes = 0;
    const finish = (complete: boolean) => {
      clearTimeout(timer);
      request.off('data', onData);
      request.off('end', onEnd);
      request.off('close', onClose);
      resolve(complete);
    };
    const onData = (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > DRAIN_BYTES) finish(false);
    };
    const onEnd = () => finish(true);
    const onClose = () => finish(request.readableEnded);
    const timer = setTimeout(() => finish(false), DRAIN_MS);
    request.on('data', onData);
    request.once('end', onEnd);
    request.once('close', onClose);
    request.resume();
  });
}
