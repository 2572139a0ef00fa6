import type { AppRouter } from '@threadstore/api';
import { createTRPCClient, httpBatchLink, type TRPCClient } from '@trpc/client';
import { assignWriteIdsLink, failOnGatewayErrors, type RetryOptions, retryTransientFailures } from './links.ts';

export interface ThreadstoreClientOptions {
  /** The server's base URL, e.g. http://127.0.0.1:3000; the procedures live under /trpc. */
  url: string;
  /** A user token, or a service token (then every call names the user it acts for as `userId`). */
  token: string;
  fetch?: typeof fetch;
  retry?: RetryOptions;
}

export type ThreadstoreClient = TRPCClient<AppRouter>;

export function createThreadstoreClient(options: ThreadstoreClientOptions): ThreadstoreClient {
  return createTRPCClient<AppRouter>({
    // Ids first, so every retry below carries the same ones.
    links: [
      assignWriteIdsLink,
      retryTransientFailures(options.retry),
      httpBatchLink({
        url: `${options.url.replace(/\/+$/, '')}/trpc`,
        headers: { authorization: `Bearer ${options.token}` },
        fetch: failOnGatewayErrors(options.fetch ?? fetch),
        // Batched queries travel in the URL; stay well under Node's 16 KB header limit.
        maxURLLength: 8000,
        // The server refuses a batch of more than MAX_BATCH_SIZE calls (32 by default): larger ones split.
        maxItems: 32,
      }),
    ],
  });
}
