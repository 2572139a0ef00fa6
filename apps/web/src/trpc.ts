import { QueryClient } from '@tanstack/react-query';
import type { AppRouter } from '@threadstore/api';
import { createTRPCClient, httpBatchLink } from '@trpc/client';
import { createTRPCContext } from '@trpc/tanstack-react-query';

const TOKEN_KEY = 'threadstore.token';

/** The token arrives once in the link the server prints (?token=...), then lives in localStorage. */
export function takeToken(): string | null {
  const url = new URL(window.location.href);
  const fromLink = url.searchParams.get('token');
  if (fromLink) {
    localStorage.setItem(TOKEN_KEY, fromLink);
    url.searchParams.delete('token');
    window.history.replaceState(null, '', url);
  }
  return localStorage.getItem(TOKEN_KEY);
}

export const { TRPCProvider, useTRPC } = createTRPCContext<AppRouter>();

export function createClients(token: string) {
  const queryClient = new QueryClient({ defaultOptions: { queries: { staleTime: 5_000, retry: 1 } } });
  const trpcClient = createTRPCClient<AppRouter>({
    links: [httpBatchLink({ url: '/trpc', headers: () => ({ authorization: `Bearer ${token}` }) })],
  });
  return { queryClient, trpcClient };
}
