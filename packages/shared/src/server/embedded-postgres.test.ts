import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { DatabaseStartError, startEmbeddedPostgres } from './embedded-postgres.ts';

const folders: string[] = [];
const tempFolder = (prefix: string) => {
  const folder = mkdtempSync(path.join(os.tmpdir(), prefix));
  folders.push(folder);
  return folder;
};
afterAll(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

describe('embedded PostgreSQL', () => {
  it("leaves a process's exit code alone (the test runner's among them)", () => {
    const module = fileURLToPath(new URL('./embedded-postgres.ts', import.meta.url));
    const tsx = fileURLToPath(new URL('../../../../node_modules/.bin/tsx', import.meta.url));
    const script = `await import(${JSON.stringify(module)}); process.exitCode = 3;`;
    const run = spawnSync(tsx, ['--eval', script, '--input-type=module'], { encoding: 'utf8' });
    expect(run.status).toBe(3);
  });

  it('says so in one line when its port is taken', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as net.AddressInfo;
    try {
      const baseDir = tempFolder('threadstore-port-');
      const attempt = startEmbeddedPostgres({ baseDir, port });
      await expect(attempt).rejects.toBeInstanceOf(DatabaseStartError);
      await expect(attempt).rejects.toThrow(`Port ${port} is taken`);
    } finally {
      blocker.close();
    }
  });

  it('says so when the data folder is unusable', async () => {
    const file = path.join(tempFolder('threadstore-dir-'), 'not-a-folder');
    writeFileSync(file, '');
    await expect(startEmbeddedPostgres({ baseDir: path.join(file, 'data'), port: 1 })).rejects.toThrow(
      /Data folder .* is unusable/,
    );
  });
});
