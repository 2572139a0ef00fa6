import { type FormEvent, useState } from 'react';

/** The sign-in screen: paste a token, or open the link the server printed. `refused` says the last one failed. */
export function SignIn({ refused, onToken }: { refused: boolean; onToken(token: string): void }) {
  const [value, setValue] = useState('');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (value.trim()) onToken(value.trim());
  };
  return (
    <main className="sign-in" aria-labelledby="sign-in-title">
      <form onSubmit={submit} className="sign-in-card">
        <h1 id="sign-in-title">threadstore</h1>
        {refused ? (
          <p className="error" role="alert">
            The server refused this token: it may have been revoked, or it belongs to another server. Paste a valid
            token, or create one with <code>pnpm cli token create --user &lt;id&gt;</code>.
          </p>
        ) : (
          <p>
            Open the link the server printed when it started (it carries your token), or paste a token here. Create one
            with <code>pnpm cli token create --user &lt;id&gt;</code>.
          </p>
        )}
        <label htmlFor="token-input">Access token</label>
        <input
          id="token-input"
          type="password"
          autoComplete="off"
          spellCheck={false}
          value={value}
          onChange={(event) => setValue(event.target.value)}
          // biome-ignore lint/a11y/noAutofocus: the only thing to do on this screen
          autoFocus
        />
        <button type="submit" disabled={!value.trim()}>
          Sign in
        </button>
      </form>
    </main>
  );
}
