// `pnpm bench:import [--rows N]`: the command line's `import supabase` on a generated chat_messages CSV in the second
// seed's shape (1,000,000 messages by default), against a plain COPY of the same file into a table of the seed's
// own columns, in the same run on the same PostgreSQL; then `export` of everything. The CLI runs as users run it
// (a process of its own); its peak RSS is read from /proc (VmHWM). Writes bench/results/import-<rows>-<date>.json.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import {
  createReadStream,
  createWriteStream,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { serverDir, serverNodeArguments } from '@threadstore/server/bench';
import { createMigratedDatabase, databaseUrl, runAdmin, throwawayServer } from '@threadstore/shared/server';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';

const argument = (name: string) => {
  const at = process.argv.indexOf(name);
  return at < 0 ? undefined : process.argv[at + 1];
};
const ROWS = Number(argument('--rows') ?? 1_000_000);
const PER_CONVERSATION = 1000;
const root = fileURLToPath(new URL('../', import.meta.url));
const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);

// The seed's real_function_tools entry, as an assistant turn carries it (every fifth assistant message).
const tools = JSON.stringify([
  {
    id: 1753081507585,
    tool: 'nova3_concierge',
    raw_output: {
      id: 1753081507585,
      data: [
        {
          id: 'concierge1',
          type: 'message',
          content: '收到！我们马上启动分析。请稍等片刻，我会带着第一手的洞察回来向您汇报。',
        },
      ],
      metadata: { raw_response: '收到！我们马上启动分析...', concierge_count: 1 },
      content_type: 'nova3_concierge',
    },
    tool_input: '',
    observation: '',
    tool_labels: {},
  },
  {
    id: 1753081576879,
    tool: 'nova3_profile',
    raw_output: {
      id: 1753081576879,
      data: [{ id: 'profile1', type: 'profile', content: '一线城市25-32岁的职业女性，将特斯拉视为自我奋斗的勋章...' }],
      metadata: {},
      content_type: 'nova3_profile',
    },
    tool_input: '',
    observation: '',
    tool_labels: {},
  },
]);
const csvField = (value: string) => (/[",\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value);
const WORDS = ['小红书', '特斯拉', 'battery', 'charging', '客户', 'range', '内容', 'trust', '技术流', 'expert'];

async function generate(file: string): Promise<void> {
  const out = createWriteStream(file);
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, 'drain');
  };
  await write(
    'id,project_id,role,content,function_tools,reference_tools,auto_select_tools,llm_raw_output,created_at\n',
  );
  const start = Date.UTC(2025, 6, 1);
  let project = '';
  for (let i = 0; i < ROWS; i += 1) {
    if (i % PER_CONVERSATION === 0) project = crypto.randomUUID();
    const user = i % 2 === 0;
    const withTools = !user && i % 10 === 1;
    const words = Array.from({ length: 12 }, (_, k) => WORDS[(i * 7 + k * 3) % WORDS.length]).join(' ');
    const content = withTools
      ? '<nova3_tools id="1753081507585" name="nova3_concierge"></nova3_tools>\n\n<nova3_tools id="1753081576879" name="nova3_profile"></nova3_tools>'
      : `${user ? '问题' : '回答'} ${i}: ${words}`;
    const at = new Date(start + i * 1000).toISOString();
    await write(
      `${crypto.randomUUID()},${project},${user ? 'user' : 'assistant'},${csvField(content)},${withTools ? csvField(tools) : '[]'},[],[],${withTools ? csvField('{"model":"deepseek-chat"}') : ''},${at}\n`,
    );
  }
  out.end();
  await once(out, 'finish');
}

/** Runs the CLI to its end; its wall time and peak RSS (VmHWM, read until it exits). */
async function runCli(args: string[], url: string): Promise<{ seconds: number; peakRssMb: number; stdout: string }> {
  const started = performance.now();
  // The CLI as `pnpm threadstore` runs it: the script's node flags, from the server package's folder.
  const child = spawn(process.execPath, [...serverNodeArguments('threadstore'), '--json', ...args], {
    cwd: serverDir,
    env: { ...process.env, DATABASE_URL: url },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let stdout = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  let peakKb = 0;
  const poll = setInterval(() => {
    try {
      const kb = Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0);
      peakKb = Math.max(peakKb, kb);
    } catch {
      // The process has just exited.
    }
  }, 100);
  const [code] = (await once(child, 'close')) as [number];
  clearInterval(poll);
  if (code !== 0) throw new Error(`threadstore ${args.join(' ')} ended with ${code}: ${stdout}`);
  return { seconds: (performance.now() - started) / 1000, peakRssMb: Math.round(peakKb / 1024), stdout };
}

const { adminUrl, stop } = await throwawayServer('bench-import');
const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-import-'));
try {
  const csv = path.join(dir, 'chat_messages_rows.csv');
  log(`generating ${ROWS.toLocaleString('en')} chat_messages rows`);
  await generate(csv);
  const bytes = statSync(csv).size;
  log(`${(bytes / 1024 / 1024).toFixed(0)} MB of CSV`);

  const names = { copy: `bench_copy_${process.pid}`, threadstore: `bench_import_${process.pid}` };
  await runAdmin(adminUrl, `create database "${names.copy}"`);
  await (await createMigratedDatabase(adminUrl, names.threadstore)).close(true);

  // The yardstick: COPY of the same file into the seed's chat_messages columns (its primary key and project index).
  const copyClient = new pg.Client({ connectionString: databaseUrl(adminUrl, names.copy) });
  await copyClient.connect();
  await copyClient.query(`create table chat_messages (id uuid primary key, project_id uuid not null, role text not null,
    content text, function_tools jsonb, reference_tools jsonb, auto_select_tools jsonb, llm_raw_output jsonb,
    created_at timestamptz not null default now())`);
  await copyClient.query('create index on chat_messages (project_id, created_at)');
  log('COPY');
  const copyStarted = performance.now();
  await pipeline(
    createReadStream(csv),
    copyClient.query(copyFrom('copy chat_messages from stdin with (format csv, header true)')),
  );
  const copySeconds = (performance.now() - copyStarted) / 1000;
  await copyClient.end();
  log(`COPY: ${copySeconds.toFixed(1)} s`);

  log('threadstore import supabase');
  const url = databaseUrl(adminUrl, names.threadstore);
  const imported = await runCli(['import', 'supabase', csv, '--user', 'bench'], url);
  const summary = JSON.parse(imported.stdout) as { messages: number; conversations: number };
  if (summary.messages !== ROWS) throw new Error(`imported ${summary.messages} of ${ROWS} messages`);
  log(`import: ${imported.seconds.toFixed(1)} s, peak RSS ${imported.peakRssMb} MB`);

  // A second yardstick: the rows as imported, COPY'd into an empty threadstore schema (the same tables, every
  // index and trigger): what COPY itself does with this schema's indexes to maintain.
  const schemaCopy = `bench_schema_copy_${process.pid}`;
  await (await createMigratedDatabase(adminUrl, schemaCopy)).close(true);
  const source = new pg.Client({ connectionString: url });
  const target = new pg.Client({ connectionString: databaseUrl(adminUrl, schemaCopy) });
  await Promise.all([source.connect(), target.connect()]);
  const dump = (table: string) => path.join(dir, `${table}.copy`);
  for (const table of ['conversations', 'messages']) {
    await pipeline(source.query(copyTo(`copy ${table} to stdout`)), createWriteStream(dump(table)));
  }
  await pipeline(createReadStream(dump('conversations')), target.query(copyFrom('copy conversations from stdin')));
  const schemaStarted = performance.now();
  await pipeline(createReadStream(dump('messages')), target.query(copyFrom('copy messages from stdin')));
  const schemaCopySeconds = (performance.now() - schemaStarted) / 1000;
  await Promise.all([source.end(), target.end()]);
  await runAdmin(adminUrl, `drop database "${schemaCopy}"`);
  log(`COPY into threadstore's messages table: ${schemaCopySeconds.toFixed(1)} s`);

  log('threadstore export');
  const exportFile = path.join(dir, 'export.jsonl');
  const exported = await runCli(['export', '--output', exportFile], url);
  log(`export: ${exported.seconds.toFixed(1)} s, peak RSS ${exported.peakRssMb} MB`);

  const figures = {
    rows: ROWS,
    csvMb: Math.round(bytes / 1024 / 1024),
    copy: { seconds: Number(copySeconds.toFixed(2)), messagesPerSecond: Math.round(ROWS / copySeconds) },
    import: {
      seconds: Number(imported.seconds.toFixed(2)),
      messagesPerSecond: Math.round(ROWS / imported.seconds),
      peakRssMb: imported.peakRssMb,
    },
    importVsCopy: Number((copySeconds / imported.seconds).toFixed(3)),
    copyIntoThreadstoreSchema: {
      seconds: Number(schemaCopySeconds.toFixed(2)),
      messagesPerSecond: Math.round(ROWS / schemaCopySeconds),
    },
    importVsCopyIntoSameSchema: Number((schemaCopySeconds / imported.seconds).toFixed(3)),
    export: {
      seconds: Number(exported.seconds.toFixed(2)),
      messagesPerSecond: Math.round(ROWS / exported.seconds),
      mb: Math.round(statSync(exportFile).size / 1024 / 1024),
      peakRssMb: exported.peakRssMb,
    },
    machine: { cores: os.cpus().length, memoryGb: Math.round(os.totalmem() / 1024 ** 3), node: process.version },
  };
  console.table({
    'COPY (seed table)': {
      'messages/s': figures.copy.messagesPerSecond,
      seconds: figures.copy.seconds,
      'peak RSS MB': '-',
    },
    'COPY (threadstore schema)': {
      'messages/s': figures.copyIntoThreadstoreSchema.messagesPerSecond,
      seconds: figures.copyIntoThreadstoreSchema.seconds,
      'peak RSS MB': '-',
    },
    'threadstore import': {
      'messages/s': figures.import.messagesPerSecond,
      seconds: figures.import.seconds,
      'peak RSS MB': figures.import.peakRssMb,
    },
    'threadstore export': {
      'messages/s': figures.export.messagesPerSecond,
      seconds: figures.export.seconds,
      'peak RSS MB': figures.export.peakRssMb,
    },
  });
  log(
    `import / COPY speed: ${figures.importVsCopy}× (seed table), ${figures.importVsCopyIntoSameSchema}× (same schema)`,
  );
  const results = path.join(root, 'bench/results');
  mkdirSync(results, { recursive: true });
  writeFileSync(
    path.join(results, `import-${ROWS}-${new Date().toISOString().slice(0, 10)}.json`),
    `${JSON.stringify(figures, null, 2)}\n`,
  );
  await runAdmin(adminUrl, `drop database "${names.copy}"`);
  await runAdmin(adminUrl, `drop database "${names.threadstore}"`);
} finally {
  rmSync(dir, { recursive: true, force: true });
  await stop();
}
