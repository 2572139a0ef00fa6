// The command line as users run it: a real process against a real database, exit codes and output checked.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestDatabase, type TestDatabase } from '@threadstore/shared/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from './exit-codes.ts';

const main = fileURLToPath(new URL('./main.ts', import.meta.url));
const fixture = (name: string) =>
  fileURLToPath(new URL(`../../../../packages/api/src/transfer/fixtures/${name}`, import.meta.url));
const dir = mkdtempSync(path.join(tmpdir(), 'threadstore-cli-'));

let db: TestDatabase;
let restored: TestDatabase;
beforeAll(async () => {
  [db, restored] = await Promise.all([createTestDatabase(), createTestDatabase()]);
});
afterAll(async () => {
  await Promise.all([db.drop(), restored.drop()]);
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function start(args: string[], url = db.url): ChildProcess {
  return spawn(process.execPath, [main, ...args], {
    env: { ...process.env, DATABASE_URL: url, DATA_DIR: dir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function cli(args: string[], url?: string): Promise<Run> {
  const child = start(args, url);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk) => (stdout += chunk));
  child.stderr?.on('data', (chunk) => (stderr += chunk));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

describe('threadstore command line', () => {
  it('imports the seed-shaped CSV, says so in JSON, and a second run changes nothing', async () => {
    const csv = fixture('chat_messages_rows.csv');
    const first = await cli(['--json', 'import', 'supabase', csv, '--user', 'u-cli']);
    expect(first.code).toBe(EXIT.ok);
    expect(JSON.parse(first.stdout)).toMatchObject({ records: 4, messages: 4, conversations: 1, existing: 0 });
    const again = await cli(['import', 'supabase', csv, '--user', 'u-cli']);
    expect(again).toMatchObject({ code: EXIT.ok });
    expect(again.stdout).toContain(
      'imported 0 messages, 0 conversations, 0 contexts, 0 notes (4 records read, 4 already there)',
    );
    const stats = await cli(['stats', '--user', 'u-cli']);
    expect(stats.stdout.split('\n').slice(0, 4)).toEqual([
      'WHAT           COUNT',
      'users          1',
      'conversations  1',
      'messages       4',
    ]);
  });

  it('ends with the documented exit codes and words errors as its own', async () => {
    const missing = await cli(['import', 'supabase', path.join(dir, 'nope.csv'), '--user', 'u']);
    expect(missing.code).toBe(EXIT.notFound);
    expect(missing.stderr).toBe(`threadstore: ${path.join(dir, 'nope.csv')}: no such file\n`);
    const bad = path.join(dir, 'bad.csv');
    writeFileSync(
      bad,
      `id,project_id,role,content,created_at\n${crypto.randomUUID()},${crypto.randomUUID()},user,hi,2025-07-21 07:05:01+00\nnot-a-uuid!,${crypto.randomUUID()},user,hi,2025-07-21 07:05:02+00\n`,
    );
    const invalid = await cli(['import', 'supabase', bad, '--user', 'u']);
    expect(invalid.code).toBe(EXIT.badInput);
    expect(invalid.stderr).toContain(
      `threadstore: ${bad}:3: id: "not-a-uuid!" is neither a uuid nor an id of A-Z, a-z, 0-9, _ and -`,
    );
    const skipped = await cli(['--json', 'import', 'supabase', bad, '--user', 'u', '--skip-invalid']);
    expect(skipped.code).toBe(EXIT.ok);
    expect(JSON.parse(skipped.stdout).skipped).toEqual([
      { line: 3, reason: 'id: "not-a-uuid!" is neither a uuid nor an id of A-Z, a-z, 0-9, _ and -' },
    ]);
    expect((await cli(['import', 'supabase', bad])).code).toBe(EXIT.usage);
    expect((await cli(['import', 'nonsense', bad])).code).toBe(EXIT.usage);
    const revoke = await cli(['token', 'revoke', 'nope']);
    expect(revoke).toMatchObject({ code: EXIT.badInput, stdout: '' });
    expect(revoke.stderr).toBe(
      'threadstore: "nope" is not a token id (token ids are uuids: see `pnpm threadstore token list`)\n',
    );
    const unknown = await cli(['--json', 'token', 'revoke', crypto.randomUUID()]);
    expect(unknown.code).toBe(EXIT.notFound);
    expect(JSON.parse(unknown.stdout)).toMatchObject({
      exitCode: EXIT.notFound,
      error: expect.stringMatching(/^no live token with id/),
    });
    const down = await cli(['stats'], 'postgres://postgres@127.0.0.1:1/none');
    expect(down.code).toBe(EXIT.databaseUnreachable);
    expect(down.stderr).toMatch(/^threadstore: cannot reach PostgreSQL at 127\.0\.0\.1:1/);
  });

  it('makes, lists and revokes tokens with a header and aligned columns; doctor reports in JSON', async () => {
    const created = await cli(['--json', 'token', 'create', '--user', 'u-cli', '--label', 'laptop']);
    const token = JSON.parse(created.stdout) as { id: string; token: string };
    expect(token.token).toMatch(/^tsk_/);
    const list = await cli(['token', 'list']);
    const [header, row] = list.stdout.split('\n');
    expect(header).toMatch(/^ID\s+KIND\s+USER\s+STATE\s+LAST USED\s+LABEL$/);
    expect(row?.indexOf('user')).toBe(header?.indexOf('KIND'));
    expect(row).toContain(token.id);
    expect((await cli(['token', 'revoke', token.id])).stdout).toBe(`revoked ${token.id}\n`);
    const doctor = await cli(['--json', 'doctor']);
    expect(JSON.parse(doctor.stdout).map((c: { check: string; ok: boolean }) => [c.check, c.ok])).toEqual([
      ['data folder', true],
      ['database', true],
      ['migrations', true],
      // The only token is revoked now.
      ['tokens', false],
    ]);
    expect(doctor.code).toBe(EXIT.unhealthy);
  });

  it('exports JSON Lines and Markdown; import threadstore restores byte for byte', async () => {
    const first = path.join(dir, 'first.jsonl');
    expect((await cli(['export', '--output', first])).code).toBe(EXIT.ok);
    expect((await cli(['import', 'threadstore', first], restored.url)).code).toBe(EXIT.ok);
    expect((await cli(['import', 'threadstore', first], restored.url)).stdout).toMatch(/^imported 0 messages/);
    const second = await cli(['export'], restored.url);
    expect(second.stdout).toBe(readFileSync(first, 'utf8'));
    const markdown = path.join(dir, 'md');
    const md = await cli(['export', '--format', 'markdown', '--output', markdown, '--user', 'u-cli']);
    expect(md.code).toBe(EXIT.ok);
    const files = readdirSync(markdown);
    expect(files).toEqual(['u-cli--44ec8eb6-8504-4d50-a924-2cf3636cd604.md']);
    const text = readFileSync(path.join(markdown, files[0] as string), 'utf8');
    expect(text).toMatch(/^# 做小红书账号的目的/);
    expect(text).toContain('**tool nova3_observe_think** (1753081523634, output-available)');
    expect((await cli(['export', '--conversation', 'nope', '--user', 'u-cli'])).code).toBe(EXIT.notFound);
  });

  it('finishes an import that was killed halfway, without duplicates', async () => {
    const big = path.join(dir, 'big.csv');
    const project = crypto.randomUUID();
    const rows = Array.from(
      { length: 20_000 },
      (_, i) =>
        `${crypto.randomUUID()},${project},${i % 2 ? 'assistant' : 'user'},message ${i},[],[],[],,2025-07-21 07:05:01.${String(i).padStart(6, '0')}+00`,
    );
    writeFileSync(
      big,
      [
        'id,project_id,role,content,function_tools,reference_tools,auto_select_tools,llm_raw_output,created_at',
        ...rows,
      ].join('\n'),
    );
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const count = async () =>
        Number(
          (await client.query('select count(*) as n from messages where conversation_uuid = $1', [project])).rows[0].n,
        );
      const child = start(['import', 'supabase', big, '--user', 'u-big', '--batch-size', '500']);
      while ((await count()) === 0) await new Promise((resolve) => setTimeout(resolve, 20));
      child.kill('SIGKILL');
      await new Promise((resolve) => child.on('close', resolve));
      const partial = await count();
      expect(partial).toBeGreaterThan(0);
      expect(partial).toBeLessThan(20_000);
      const resumed = await cli(['--json', 'import', 'supabase', big, '--user', 'u-big']);
      expect(resumed.code).toBe(EXIT.ok);
      expect(JSON.parse(resumed.stdout)).toMatchObject({ messages: 20_000 - partial, existing: partial });
      expect(await count()).toBe(20_000);
      const order = await client.query('select content from messages where conversation_uuid = $1 order by seq', [
        project,
      ]);
      expect(order.rows.map((row) => row.content)).toEqual(rows.map((_, i) => `message ${i}`));
      const conversation = await client.query('select message_count from conversations where uuid = $1', [project]);
      expect(conversation.rows[0].message_count).toBe(20_000);
    } finally {
      await client.end();
    }
  });
});
