// Shutdown through the command users run: `pnpm start`, signalled as a whole process group or only its top process.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createMigratedDatabase, databaseUrl, dropDatabase } from '@threadstore/shared/server';
import { afterAll, describe, expect, inject, it } from 'vitest';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const folders: string[] = [];
afterAll(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

interface Started {
  child: ChildProcess;
  base: string;
  token: string;
  exited: Promise<number | null>;
  output: () => string;
}

async function startServer(env: Record<string, string | undefined>): Promise<Started> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'threadstore-shutdown-'));
  folders.push(dataDir);
  const { DATABASE_URL: _inherited, ...parentEnv } = process.env;
  const child = spawn('pnpm', ['start'], {
    cwd: root,
    // Its own process group, as a supervisor or a terminal starts it.
    detached: true,
    env: { ...parentEnv, PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + 180_000;
  for (;;) {
    const ready = /Open the web client: (http:\/\/[^/\s]+)\/\?token=(\S+)/.exec(output);
    if (ready?.[1] && ready[2]) return { child, base: ready[1], token: ready[2], exited, output: () => output };
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`pnpm start did not come up:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * A write already in flight when the signal comes: its headers and half its body are sent, the rest only after
 * the signal, so the server is certainly in the middle of it.
 */
function writeInFlight(base: string, token: string, index: number) {
  const body = Buffer.from(
    JSON.stringify({
      conversationId: crypto.randomUUID(),
      user: { parts: [{ type: 'text', text: `question ${index}` }] },
      assistant: { parts: [{ type: 'text', text: `answer ${index}` }] },
    }),
  );
  const half = Math.floor(body.length / 2);
  let started: () => void = () => {};
  const sent = new Promise<void>((resolve) => {
    started = resolve;
  });
  const request = http.request(`${base}/trpc/message.appendRound`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': body.length },
  });
  const answered = new Promise<number | string>((resolve) => {
    request.on('response', (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    });
    request.on('error', (error) => resolve(error.message));
  });
  request.flushHeaders();
  request.write(body.subarray(0, half), () => started());
  return { sent, finish: () => request.end(body.subarray(half)), answered };
}

async function signalWithWritesInFlight(started: Started, target: 'group' | 'top') {
  const writes = Array.from({ length: 16 }, (_, index) => writeInFlight(started.base, started.token, index));
  await Promise.all(writes.map((write) => write.sent));
  // The server has read the first halves once it has them all: give it a moment on a busy machine.
  await new Promise((resolve) => setTimeout(resolve, 300));
  const pid = started.child.pid as number;
  const signalledAt = Date.now();
  process.kill(target === 'group' ? -pid : pid, 'SIGTERM');
  await new Promise((resolve) => setTimeout(resolve, 100));
  for (const write of writes) write.finish();
  const outcomes = await Promise.all(writes.map((write) => write.answered));
  const code = await started.exited;
  return { outcomes, code, seconds: (Date.now() - signalledAt) / 1000 };
}

describe('pnpm start, stopped by SIGTERM with 16 writes in flight', () => {
  it('signalled as a process group (embedded PostgreSQL): every write answered 200, exit code 0', async () => {
    const started = await startServer({});
    const { outcomes, code, seconds } = await signalWithWritesInFlight(started, 'group');
    console.log(`process group: exit ${code} after ${seconds.toFixed(2)} s; outcomes ${JSON.stringify(outcomes)}`);
    expect(outcomes, started.output()).toEqual(Array(16).fill(200));
    expect(code, started.output()).toBe(0);
    expect(started.output()).toContain('"msg":"stopped"');
  });

  it('signalled at its top process only (DATABASE_URL): every write answered 200, exit code 0', async () => {
    const adminUrl = inject('adminUrl');
    const name = `threadstore_shutdown_${process.pid}`;
    await dropDatabase(adminUrl, name);
    await (await createMigratedDatabase(adminUrl, name)).close(true);
    try {
      const started = await startServer({ DATABASE_URL: databaseUrl(adminUrl, name) });
      const { outcomes, code, seconds } = await signalWithWritesInFlight(started, 'top');
      console.log(`top process: exit ${code} after ${seconds.toFixed(2)} s; outcomes ${JSON.stringify(outcomes)}`);
      expect(outcomes, started.output()).toEqual(Array(16).fill(200));
      expect(code, started.output()).toBe(0);
    } finally {
      await dropDatabase(adminUrl, name);
    }
  });
});
