// The server as its own process (what `pnpm start` runs), so its memory is measured apart from the test's.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { serverDir, serverNodeArguments } from '../server-command.ts';

export interface ServerProcess {
  base: string;
  /** The local user's token, printed at start. */
  token: string;
  child: ChildProcess;
  /** Peak resident memory of the server process so far (VmHWM), in bytes. */
  peakRss(): number;
  stop(): Promise<void>;
}

export async function startServerProcess(
  databaseUrl: string,
  env: Record<string, string> = {},
): Promise<ServerProcess> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'threadstore-server-'));
  const child = spawn(process.execPath, serverNodeArguments(), {
    cwd: serverDir,
    env: { ...process.env, DATABASE_URL: databaseUrl, PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    if (output.length < 100_000) output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    if (output.length < 100_000) output += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 60_000;
  for (;;) {
    const ready = /Open the web client: (http:\/\/[^/\s]+)\/\?token=(\S+)/.exec(output);
    if (ready?.[1] && ready[2]) {
      return {
        base: ready[1],
        token: ready[2],
        child,
        peakRss() {
          const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
          return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
        },
        async stop() {
          child.kill('SIGTERM');
          await exited;
          rmSync(dataDir, { recursive: true, force: true });
        },
      };
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      rmSync(dataDir, { recursive: true, force: true });
      throw new Error(`the server did not start:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
