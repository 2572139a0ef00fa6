import { MutationCache, QueryCache, QueryClient } from '@tanstack/react-query';
import type { AppRouter } from '@threadstore/api';
import { createTRPCClient, httpBatchLink, TRPCClientError } from '@trpc/client';
import { createTRPCContext } from '@trpc/tanstack-react-query';
import { toast } from 'sonner';

export const { TRPCProvider, useTRPC, useTRPCClient } = createTRPCContext<AppRouter>();
export type TrpcClient = ReturnType<typeof createTRPCClient<AppRouter>>;

export const isUnauthorized = (error: unknown) =>
  error instanceof TRPCClientError && error.data?.code === 'UNAUTHORIZED';

/** The server's own words for a failed call: its message names the field or the row. */
export function errorMessage(error: unknown): string {
  if (error instanceof TRPCClientError) return error.message || 'The server did not answer';
  return error instanceof Error ? error.message : String(error);
}

export interface ClientEvents {
  /** The server refused the token: the app shows the sign-in screen. */
  onUnauthorized(): void;
  /** Every answer and every failure to reach the server: the status bar's connection state. */
  onConnection(reachable: boolean): void;
}

export function createClients(token: string, events: ClientEvents) {
  const report = (error: unknown) => {
    if (isUnauthorized(error)) {
      events.onUnauthorized();
      return;
    }
    // No HTTP answer at all (server down, network gone) has no tRPC code.
    if (error instanceof TRPCClientError && !error.data) events.onConnection(false);
    toast.error(errorMessage(error), { id: errorMessage(error) });
  };
  const queryClient = new QueryClient({
    queryCache: new QueryCache({ onError: report, onSuccess: () => events.onConnection(true) }),
    mutationCache: new MutationCache({ onError: report }),
    defaultOptions: {
      queries: {
        staleTime: 30_000,
        retry: (count, error) => !isUnauthorized(error) && count < 2,
        refetchOnWindowFocus: false,
      },
    },
  });
  const trpcClient = createTRPCClient<AppRouter>({
    links: [
      httpBatchLink({
        url: '/trpc',
        headers: () => ({ authorization: `Bearer ${token}` }),
        // GET URLs of a batch stay short of proxies' limits; larger batches go as several requests.
        maxURLLength: 4000,
        // The server refuses a batch of more than MAX_BATCH_SIZE calls (32 by default): bulk actions split.
        maxItems: 32,
      }),
    ],
  });
  return { queryClient, trpcClient };
}
