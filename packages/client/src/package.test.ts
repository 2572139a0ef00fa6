// The client as a service in another repository gets it: built, packed with `pnpm pack`, installed from the
// tarball into a scratch project outside the workspace, type-checked there, and run against a real server.
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { startTestServerFor } from './testing.ts';

const clientRoot = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const workspaceRoot = path.dirname(path.dirname(clientRoot));
const tsc = path.join(workspaceRoot, 'node_modules/.bin/tsc');
const { server, token } = await startTestServerFor('alice');
const scratch = mkdtempSync(path.join(tmpdir(), 'threadstore-client-'));
afterAll(async () => {
  rmSync(scratch, { recursive: true, force: true });
  await server.close();
});

const run = (command: string, args: string[], cwd: string) =>
  execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

const CALL = `import { createThreadstoreClient, type RouterInputs } from '@threadstore/client';
import { loadChat } from '@threadstore/client/ai-sdk';

declare const process: { env: Record<string, string | undefined> };
const client = createThreadstoreClient({ url: process.env.THREADSTORE_URL ?? '', token: process.env.THREADSTORE_TOKEN ?? '' });
const input: RouterInputs['message']['append'] = {
  id: 'msg_outside1',
  conversationId: 'chat_outside',
  role: 'user',
  parts: [{ type: 'text', text: 'from another repository' }],
};
const stored = await client.message.append.mutate(input);
const id: string = stored.id;
const chat = await loadChat(client, { chatId: 'chat_outside' });
console.log(JSON.stringify({ id, conversationId: stored.conversationId, chat }));
`;

describe('the packed client', () => {
  it('installs outside the workspace, type-checks a call (a wrong field fails), and runs it', async () => {
    run('pnpm', ['--filter', '@threadstore/client', 'build'], workspaceRoot);
    run('pnpm', ['pack', '--pack-destination', scratch], clientRoot);
    const tarball = readdirSync(scratch).find((name) => name.endsWith('.tgz')) as string;
    expect(tarball).toMatch(/^threadstore-client-.*\.tgz$/);

    writeFileSync(
      path.join(scratch, 'package.json'),
      JSON.stringify({
        name: 'scratch-service',
        private: true,
        type: 'module',
        dependencies: { '@threadstore/client': `file:./${tarball}`, ai: '7.0.173' },
      }),
    );
    const tsconfig = (skipLibCheck: boolean) =>
      writeFileSync(
        path.join(scratch, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: {
            target: 'ES2023',
            lib: ['ES2023', 'DOM'],
            module: 'nodenext',
            moduleResolution: 'nodenext',
            strict: true,
            noEmit: true,
            types: [],
            skipLibCheck,
          },
          include: ['call.ts'],
        }),
      );
    tsconfig(true);
    writeFileSync(path.join(scratch, 'call.ts'), CALL);
    run('pnpm', ['install', '--prefer-offline', '--ignore-workspace'], scratch);
    // Nothing of the workspace came along: only the tarball's own files and its registry dependencies.
    expect(readdirSync(path.join(scratch, 'node_modules/@threadstore'))).toEqual(['client']);

    run(tsc, ['-p', 'tsconfig.json'], scratch);
    // Checked as libraries too, threadstore's declarations have no errors of their own (the SDK's and tRPC's
    // want Node's and ws's types, which this project does not install).
    tsconfig(false);
    const strict = spawnSync(tsc, ['-p', 'tsconfig.json'], { cwd: scratch, encoding: 'utf8' });
    expect(strict.stdout.split('\n').filter((line) => /@threadstore|^call\.ts/.test(line))).toEqual([]);
    tsconfig(true);
    writeFileSync(path.join(scratch, 'call.ts'), CALL.replace("role: 'user',", "role: 'user',\n  partz: [],"));
    const wrong = spawnSync(tsc, ['-p', 'tsconfig.json'], { cwd: scratch, encoding: 'utf8' });
    expect(wrong.status).not.toBe(0);
    expect(wrong.stdout).toContain("'partz' does not exist");
    writeFileSync(path.join(scratch, 'call.ts'), CALL);

    // Not execFileSync: the server answering the call runs in this process.
    const { stdout: output } = await promisify(execFile)(process.execPath, ['call.ts'], {
      cwd: scratch,
      encoding: 'utf8',
      env: { ...process.env, THREADSTORE_URL: server.url, THREADSTORE_TOKEN: token },
    });
    expect(JSON.parse(output)).toEqual({
      id: 'msg_outside1',
      conversationId: 'chat_outside',
      chat: [{ id: 'msg_outside1', role: 'user', parts: [{ type: 'text', text: 'from another repository' }] }],
    });
  }, 240_000);
});
