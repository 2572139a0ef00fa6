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
  /** The last 100 kB the server wrote (stdout and stderr), and how it ended if it has: for a failing test's report. */
  output(): string;
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
  // The tail is kept: what a failing test needs is what the server wrote last.
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-100_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 60_000;
  for (;;) {
    const ready = /Open the web client: (http:\/\/[^/\s]+)\/\?token=(\S+)/.exec(output);
    if (ready?.[1] && ready[2]) {
      return {
        base: ready[1],
        token: ready[2],
        child,
        output() {
          const ended = child.exitCode !== null || child.signalCode !== null;
          return ended ? `${output}\n[the server exited: code ${child.exitCode}, signal ${child.signalCode}]` : output;
        },
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
