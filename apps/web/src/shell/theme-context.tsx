import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import {
  applyTheme,
  followSystemTheme,
  saveThemeChoice,
  storedThemeChoice,
  type Theme,
  type ThemeChoice,
} from '../theme.ts';

interface ThemeState {
  theme: Theme;
  choice: ThemeChoice;
  /** light → dark → system → light. */
  cycle(): void;
  choose(choice: ThemeChoice): void;
}

const ThemeContext = createContext<ThemeState>({
  theme: 'light',
  choice: 'system',
  cycle: () => undefined,
  choose: () => undefined,
});

export function ThemeProvider({ children }: { children: ReactNode }) {
  const [choice, setChoice] = useState<ThemeChoice>(storedThemeChoice);
  const [theme, setTheme] = useState<Theme>(() => applyTheme(storedThemeChoice()));
  useEffect(() => followSystemTheme(setTheme), []);
  const cycle = useCallback(() => {
    setChoice((current) => {
      const next: ThemeChoice = current === 'light' ? 'dark' : current === 'dark' ? 'system' : 'light';
      setTheme(saveThemeChoice(next));
      return next;
    });
  }, []);
  const choose = useCallback((next: ThemeChoice) => {
    setChoice(next);
    setTheme(saveThemeChoice(next));
  }, []);
  const value = useMemo(() => ({ theme, choice, cycle, choose }), [theme, choice, cycle, choose]);
  return <ThemeContext.Provider value={value}>{children}</ThemeContext.Provider>;
}

export const useTheme = () => useContext(ThemeContext);
