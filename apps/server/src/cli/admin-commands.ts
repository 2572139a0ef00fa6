import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { authenticate, countLiveTokens, createToken, listTokens, revokeToken } from '@threadstore/api';
import { storeStats } from '@threadstore/api/transfer';
import { isUuid } from '@threadstore/shared';
import { loadEnv, migrateUp } from '@threadstore/shared/server';
import { Command } from 'commander';
import { openDatabase } from '../database.ts';
import { whyUnreachable, withDatabase } from './database.ts';
import { CliError, EXIT } from './exit-codes.ts';
import type { Output } from './output.ts';

export function tokenCommand(output: () => Output): Command {
  const command = new Command('token').description('API tokens');
  command
    .command('create')
    .description('a user token (sees only that user) or a service token (names the user per call)')
    .option('--user <userId>', 'the user a user token acts for')
    .option('--service', 'a service token')
    .option('--label <text>', 'what the token is for')
    .action(async (flags: { user?: string; service?: boolean; label?: string }) => {
      const out = output();
      if (Boolean(flags.user) === Boolean(flags.service))
        throw new CliError(EXIT.usage, 'give either --user <userId> or --service');
      const { token, record } = await withDatabase(({ database }) =>
        createToken(database.orm.em.fork(), {
          kind: flags.service ? 'service' : 'user',
          userId: flags.user ?? null,
          label: flags.label ?? null,
        }),
      );
      out.result(
        { ...record, token },
        `created ${record.kind} token ${record.id}${record.userId ? ` for user ${record.userId}` : ''}\ntoken (shown once, store it now): ${token}`,
      );
    });
  command
    .command('list')
    .description('every token, live and revoked')
    .action(async () => {
      const tokens = await withDatabase(({ database }) => listTokens(database.orm.em.fork()));
      output().table(
        tokens.map((token) => ({
          id: token.id,
          kind: token.kind,
          userId: token.userId,
          state: token.revokedAt ? `revoked ${token.revokedAt.toISOString()}` : 'live',
          lastUsed: token.lastUsedAt ? token.lastUsedAt.toISOString() : 'never',
          label: token.label,
        })),
        [
          ['id', 'ID'],
          ['kind', 'KIND'],
          ['userId', 'USER'],
          ['state', 'STATE'],
          ['lastUsed', 'LAST USED'],
          ['label', 'LABEL'],
        ],
        'no tokens yet: make one with `pnpm threadstore token create --user <userId>`',
      );
    });
  command
    .command('revoke <tokenId>')
    .description('stops a token from working (within a second on running servers)')
    .action(async (id: string) => {
      if (!isUuid(id))
        throw new CliError(
          EXIT.badInput,
          `"${id}" is not a token id (token ids are uuids: see \`pnpm threadstore token list\`)`,
        );
      const revoked = await withDatabase(({ database }) => revokeToken(database.orm.em.fork(), id));
      if (!revoked) throw new CliError(EXIT.notFound, `no live token with id ${id}`);
      output().result({ revoked: id }, `revoked ${id}`);
    });
  return command;
}

export function migrateCommand(output: () => Output): Command {
  return new Command('migrate').description('apply pending migrations').action(async () => {
    const applied = await withDatabase(({ database }) => migrateUp(database.orm), true);
    output().result(
      { applied },
      applied.length > 0 ? `applied: ${applied.join(', ')}` : 'database schema is up to date',
    );
  });
}

export function statsCommand(output: () => Output): Command {
  return new Command('stats')
    .description('how much the store holds')
    .option('--user <userId>', "only this user's")
    .action(async (flags: { user?: string }) => {
      const stats = await withDatabase((db) => storeStats(db.transfer(), flags.user));
      output().table(
        Object.entries(stats).map(([what, count]) => ({ what, count })),
        [
          ['what', 'WHAT'],
          ['count', 'COUNT'],
        ],
        '',
      );
    });
}

interface Check {
  check: string;
  ok: boolean;
  detail: string;
}

/** Each check runs even when one before it failed, so one run shows everything that is wrong. */
async function diagnose(): Promise<Check[]> {
  const env = loadEnv();
  const checks: Check[] = [];
  if (env.DATABASE_URL) {
    checks.push({ check: 'data folder', ok: true, detail: 'not used (DATABASE_URL is set)' });
  } else {
    const dir = env.DATA_DIR;
    const cluster = path.join(dir, 'postgres', 'PG_VERSION');
    let detail = `${dir}: `;
    let ok = true;
    try {
      accessSync(dir, constants.W_OK);
      detail += existsSync(cluster)
        ? `writable, PostgreSQL ${readFileSync(cluster, 'utf8').trim()} cluster`
        : 'writable, no cluster yet (made on first start)';
    } catch {
      ok = !existsSync(dir);
      detail += ok ? 'not made yet (made on first start)' : 'not writable';
    }
    checks.push({ check: 'data folder', ok, detail });
  }
  let database: Awaited<ReturnType<typeof openDatabase>>;
  try {
    database = await openDatabase(env);
  } catch (error) {
    checks.push({ check: 'database', ok: false, detail: `unreachable: ${(error as Error).message}` });
    return checks;
  }
  try {
    const unreachable = await whyUnreachable(database);
    if (unreachable) {
      checks.push({ check: 'database', ok: false, detail: `unreachable: ${unreachable}` });
      return checks;
    }
    const [row] = await database.orm.em.fork().execute<{ server_version: string }[]>('show server_version');
    checks.push({
      check: 'database',
      ok: true,
      detail: `${database.description}, server ${row?.server_version}`,
    });
    const pending = await database.orm.migrator.getPending();
    checks.push({
      check: 'migrations',
      ok: pending.length === 0,
      detail: pending.length === 0 ? 'all applied' : `${pending.length} pending: run \`pnpm threadstore migrate\``,
    });
    if (pending.length > 0) return checks;
    const live = await countLiveTokens(database.orm.em.fork());
    const local = path.join(env.DATA_DIR, 'local-token');
    let detail = `${live} live`;
    let ok = live > 0;
    if (existsSync(local)) {
      const works = (await authenticate(database.orm, `Bearer ${readFileSync(local, 'utf8').trim()}`)) !== null;
      detail += works ? ', the saved local token works' : ', the saved local token is revoked or unknown';
      ok &&= works;
    }
    if (live === 0) detail += ': make one with `pnpm threadstore token create --user <userId>` (or start the server)';
    checks.push({ check: 'tokens', ok, detail });
  } finally {
    await database.close();
  }
  return checks;
}

export function doctorCommand(output: () => Output): Command {
  return new Command('doctor')
    .description('checks the database, migrations, tokens and the embedded data folder')
    .action(async () => {
      const checks = await diagnose();
      const out = output();
      out.table(
        checks.map((c) => ({ ...c, status: c.ok ? 'ok' : 'FAIL' })),
        [
          ['check', 'CHECK'],
          ['status', 'STATUS'],
          ['detail', 'DETAIL'],
        ],
        '',
      );
      if (checks.some((c) => !c.ok))
        throw new CliError(
          EXIT.unhealthy,
          `${checks
            .filter((c) => !c.ok)
            .map((c) => c.check)
            .join(', ')}: see above`,
          { reported: true },
        );
    });
}
