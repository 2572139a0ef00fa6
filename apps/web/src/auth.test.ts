// @vitest-environment happy-dom
import { beforeEach, describe, expect, it } from 'vitest';
import { forgetToken, saveToken, takeToken } from './auth.ts';

beforeEach(() => localStorage.clear());

describe('the token', () => {
  it('moves from the printed link to localStorage and out of the address bar, keeping the path and other params', () => {
    window.history.replaceState(null, '', '/c/abc?token=secret-1&x=1#m');
    expect(takeToken()).toBe('secret-1');
    expect(window.location.pathname + window.location.search + window.location.hash).toBe('/c/abc?x=1#m');
    expect(localStorage.getItem('threadstore.token')).toBe('secret-1');
    // A later visit without the link keeps it.
    expect(takeToken()).toBe('secret-1');
  });

  it('is saved from the sign-in screen, trimmed, and forgotten on sign-out', () => {
    window.history.replaceState(null, '', '/');
    expect(takeToken()).toBeNull();
    saveToken('  pasted  ');
    expect(takeToken()).toBe('pasted');
    forgetToken();
    expect(takeToken()).toBeNull();
  });
});
