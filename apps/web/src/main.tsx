import { QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.tsx';
import { createClients, TRPCProvider, takeToken } from './trpc.ts';
import './styles.css';

const token = takeToken();
const root = createRoot(document.getElementById('root') as HTMLElement);

if (!token) {
  root.render(
    <main className="empty">
      <h1>threadstore</h1>
      <p>Open the link the server printed at start-up (it carries your token).</p>
    </main>,
  );
} else {
  const { queryClient, trpcClient } = createClients(token);
  root.render(
    <StrictMode>
      <QueryClientProvider client={queryClient}>
        <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
          <App />
        </TRPCProvider>
      </QueryClientProvider>
    </StrictMode>,
  );
}
