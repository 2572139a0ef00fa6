import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The server package's folder: the start script's paths are relative to it. */
export const serverDir = fileURLToPath(new URL('../', import.meta.url));

/**
 * The node arguments of `pnpm start` (the package's start script, `exec node … src/main.ts`), so the benchmark
 * and the reliability tests run the server exactly as users do, flags included, from this package's folder.
 * `script: 'threadstore'` gives the command line's (`exec node … src/cli/main.ts`).
 */
export function serverNodeArguments(script: 'start' | 'threadstore' = 'start'): string[] {
  const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    scripts: Record<string, string>;
  };
  const command = manifest.scripts[script] ?? '';
  const words = command.trim().split(/\s+/);
  const node = words.indexOf('node');
  if (node < 0) throw new Error(`the ${script} script does not run node: ${command}`);
  return words.slice(node + 1);
}
