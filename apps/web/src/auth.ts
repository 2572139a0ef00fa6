const TOKEN_KEY = 'threadstore.token';

/**
 * The token arrives once in the link the server prints (`/?token=…`): it moves to localStorage and out of the
 * address bar (and so out of the history and of anything copied from it).
 */
export function takeToken(location: Location = window.location): string | null {
  const url = new URL(location.href);
  const fromLink = url.searchParams.get('token');
  if (fromLink) {
    localStorage.setItem(TOKEN_KEY, fromLink.trim());
    url.searchParams.delete('token');
    window.history.replaceState(window.history.state, '', url);
  }
  return localStorage.getItem(TOKEN_KEY);
}

export function saveToken(token: string): void {
  localStorage.setItem(TOKEN_KEY, token.trim());
}

export function forgetToken(): void {
  localStorage.removeItem(TOKEN_KEY);
}

export const storedToken = (): string | null => localStorage.getItem(TOKEN_KEY);
