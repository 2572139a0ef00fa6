import pino, { type DestinationStream, type Logger } from 'pino';

/** `?token=tsk_…` (the printed link to the web client) and any other secret-bearing query value. */
const SECRET_QUERY = /([?&](?:token|access_token|api_key|password)=)[^&#]*/gi;

export const redactUrl = (url: string): string => url.replace(SECRET_QUERY, '$1[redacted]');

/**
 * The server's logger: JSON lines written asynchronously (a slow stdout never blocks the event loop), with
 * tokens, passwords and authorization headers redacted wherever they would appear.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      redact: {
        paths: [
          'req.headers.authorization',
          'req.headers.cookie',
          'headers.authorization',
          'authorization',
          'token',
          'password',
          '*.token',
          '*.password',
        ],
        censor: '[redacted]',
      },
      serializers: {
        req: (request: { method: string; url: string; id?: string }) => ({
          method: request.method,
          url: redactUrl(request.url),
        }),
        err: pino.stdSerializers.err,
      },
    },
    destination ?? pino.destination({ dest: 1, sync: false, minLength: 4096 }),
  );
}
