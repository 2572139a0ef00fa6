import { QueryClientProvider } from '@tanstack/react-query';
import { RouterProvider } from '@tanstack/react-router';
import { StrictMode, useMemo, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { forgetToken, saveToken, takeToken } from './auth.ts';
import { createAppRouter } from './router.tsx';
import { reportConnection } from './shell/connection.ts';
import { applyPrefs } from './shell/prefs.ts';
import { SignOutContext } from './shell/Shell.tsx';
import { SignIn } from './shell/SignIn.tsx';
import { ThemeProvider } from './shell/theme-context.tsx';
import { createClients, TRPCProvider } from './trpc.ts';
import './styles.css';

const router = createAppRouter();
applyPrefs();

function App() {
  const [token, setToken] = useState(takeToken);
  const [refused, setRefused] = useState(false);
  const clients = useMemo(
    () =>
      token ? createClients(token, { onUnauthorized: () => setRefused(true), onConnection: reportConnection }) : null,
    [token],
  );
  if (!clients || refused) {
    return (
      <SignIn
        refused={refused}
        onToken={(next) => {
          saveToken(next);
          setRefused(false);
          setToken(next);
        }}
      />
    );
  }
  const signOut = () => {
    forgetToken();
    clients.queryClient.clear();
    setToken(null);
  };
  return (
    <QueryClientProvider client={clients.queryClient}>
      <TRPCProvider trpcClient={clients.trpcClient} queryClient={clients.queryClient}>
        <SignOutContext.Provider value={signOut}>
          <RouterProvider router={router} />
        </SignOutContext.Provider>
      </TRPCProvider>
    </QueryClientProvider>
  );
}

createRoot(document.getElementById('root') as HTMLElement).render(
  <StrictMode>
    <ThemeProvider>
      <App />
    </ThemeProvider>
  </StrictMode>,
);
