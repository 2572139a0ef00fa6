import { useSyncExternalStore } from 'react';

export type ConnectionState = 'connecting' | 'online' | 'offline';

let state: ConnectionState = 'connecting';
const listeners = new Set<() => void>();

/** Called by the query cache on every answer (true) and every call the server never answered (false). */
export function reportConnection(reachable: boolean): void {
  const next: ConnectionState = reachable ? 'online' : 'offline';
  if (next === state) return;
  state = next;
  for (const listener of listeners) listener();
}

function subscribe(listener: () => void) {
  listeners.add(listener);
  const offline = () => reportConnection(false);
  window.addEventListener('offline', offline);
  return () => {
    listeners.delete(listener);
    window.removeEventListener('offline', offline);
  };
}

export const useConnection = () => useSyncExternalStore(subscribe, () => state);
