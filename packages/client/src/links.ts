import type { AppRouter, RouterInputs } from '@threadstore/api';
import { type Operation, retryLink, type TRPCClientError, type TRPCLink } from '@trpc/client';

export interface RetryOptions {
  /** Tries per call, the first one included; 1 turns retries off. */
  attempts?: number;
  /** The first wait; each later one doubles, up to `maxDelayMs`. */
  baseDelayMs?: number;
  maxDelayMs?: number;
}

const DEFAULT_RETRY: Required<RetryOptions> = { attempts: 5, baseDelayMs: 200, maxDelayMs: 5000 };

type InputOf<Path extends string> = Path extends `${infer Router extends keyof RouterInputs}.${infer Procedure}`
  ? RouterInputs[Router][Procedure & keyof RouterInputs[Router]]
  : never;

type RowCreatingWrite =
  | 'conversation.create'
  | 'message.append'
  | 'message.start'
  | 'message.appendRound'
  | 'note.create';

const withId = <T extends { id?: string }>(input: T): T =>
  input.id === undefined ? { ...input, id: crypto.randomUUID() } : input;

/**
 * Writes that create rows, and how to give each row a client-chosen id. With the ids fixed before the first
 * attempt, a retry is a replay the server recognises, never a second row.
 */
const assignIds: { [Path in RowCreatingWrite]: (input: InputOf<Path>) => InputOf<Path> } = {
  'conversation.create': withId,
  'message.append': withId,
  'message.start': withId,
  'message.appendRound': (input) => ({ ...input, user: withId(input.user), assistant: withId(input.assistant) }),
  'note.create': withId,
};

const isRowCreatingWrite = (path: string): path is RowCreatingWrite => Object.hasOwn(assignIds, path);

export const assignWriteIdsLink: TRPCLink<AppRouter> =
  () =>
  ({ op, next }) => {
    if (op.type !== 'mutation' || !isRowCreatingWrite(op.path) || typeof op.input !== 'object' || op.input === null) {
      return next(op);
    }
    const assign = assignIds[op.path] as (input: unknown) => unknown;
    return next({ ...op, input: assign(op.input) });
  };

const TRANSIENT_CODES = new Set([
  'SERVICE_UNAVAILABLE',
  'TIMEOUT',
  'TOO_MANY_REQUESTS',
  'BAD_GATEWAY',
  'GATEWAY_TIMEOUT',
]);
const GATEWAY_STATUSES = new Set([502, 503, 504]);

/** A proxy in front of the server answered instead of it (an HTML or text error page, not a tRPC response). */
export class GatewayUnavailableError extends Error {
  readonly status: number;
  constructor(status: number) {
    super(`HTTP ${status} from a gateway in front of threadstore`);
    this.status = status;
    this.name = 'GatewayUnavailableError';
  }
}

/** tRPC would fail to parse a proxy's error page as JSON; this turns it into an error the retry link recognises. */
export function failOnGatewayErrors(fetchImpl: typeof fetch): typeof fetch {
  return async (input, init) => {
    const response = await fetchImpl(input, init);
    if (GATEWAY_STATUSES.has(response.status) && !response.headers.get('content-type')?.includes('json')) {
      await response.body?.cancel();
      throw new GatewayUnavailableError(response.status);
    }
    return response;
  };
}

/** Worth trying again: the server said "not now", or no answer came back at all (fetch fails with a TypeError). */
export function isTransient(error: TRPCClientError<AppRouter>): boolean {
  if (error.data) return TRANSIENT_CODES.has(error.data.code);
  return error.cause instanceof TypeError || error.cause instanceof GatewayUnavailableError;
}

/** A checkpoint without an index lands at whatever the end is by then: sent twice, its parts would be stored twice. */
function isSafeToRepeat(op: Operation): boolean {
  const input = op.input as RouterInputs['message']['appendParts'] | undefined;
  return !(op.path === 'message.appendParts' && input?.index === undefined);
}

/** Exponential backoff with jitter: half of each wait is random, so clients that failed together spread out. */
export function backoffDelay(attempt: number, options: Pick<Required<RetryOptions>, 'baseDelayMs' | 'maxDelayMs'>) {
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (attempt - 1));
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

export function retryTransientFailures(options: RetryOptions = {}): TRPCLink<AppRouter> {
  const settings = { ...DEFAULT_RETRY, ...options };
  return retryLink<AppRouter>({
    retry: ({ op, error, attempts }) =>
      attempts < settings.attempts && !op.signal?.aborted && isTransient(error) && isSafeToRepeat(op),
    retryDelayMs: (attempt) => backoffDelay(attempt, settings),
  });
}
