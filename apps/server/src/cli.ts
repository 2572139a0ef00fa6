// Operator commands: `pnpm cli token create --user <id> [--label <text>]`, `pnpm cli token create --service`,
// `pnpm cli token list`, `pnpm cli token revoke <id>`, `pnpm cli migrate`.
import { parseArgs } from 'node:util';
import { createToken, listTokens, revokeToken } from '@threadstore/api';
import { loadEnv, migrateUp } from '@threadstore/shared/server';
import { openDatabase } from './database.ts';

const USAGE = `usage:
  pnpm cli token create --user <userId> [--label <text>]   a user token (sees only that user's data)
  pnpm cli token create --service [--label <text>]         a service token (names the user per call)
  pnpm cli token list
  pnpm cli token revoke <tokenId>
  pnpm cli migrate                                         apply pending migrations`;

class UsageError extends Error {}

async function run(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { user: { type: 'string' }, service: { type: 'boolean' }, label: { type: 'string' } },
  });
  const [group, command, argument] = positionals;
  const database = await openDatabase(loadEnv());
  try {
    const em = database.orm.em.fork();
    if (group === 'migrate') {
      const applied = await migrateUp(database.orm);
      console.log(applied.length > 0 ? `applied: ${applied.join(', ')}` : 'database schema is up to date');
    } else if (group === 'token' && (await database.orm.migrator.getPending()).length > 0) {
      throw new UsageError('the database has pending migrations: run `pnpm cli migrate` (or start the server) first');
    } else if (group === 'token' && command === 'create') {
      if (Boolean(values.user) === Boolean(values.service))
        throw new UsageError('give either --user <userId> or --service');
      const { token, record } = await createToken(em, {
        kind: values.service ? 'service' : 'user',
        userId: values.user ?? null,
        label: values.label ?? null,
      });
      console.log(`created ${record.kind} token ${record.id}${record.userId ? ` for user ${record.userId}` : ''}`);
      console.log(`token (shown once, store it now): ${token}`);
    } else if (group === 'token' && command === 'list') {
      for (const token of await listTokens(em)) {
        const state = token.revokedAt ? `revoked ${token.revokedAt.toISOString()}` : 'live';
        const lastUsed = token.lastUsedAt ? token.lastUsedAt.toISOString() : 'never';
        console.log(
          `${token.id}  ${token.kind.padEnd(7)}  ${(token.userId ?? '-').padEnd(16)}  ${state}  last used ${lastUsed}  ${token.label ?? ''}`,
        );
      }
    } else if (group === 'token' && command === 'revoke' && argument) {
      if (!(await revokeToken(em, argument))) throw new UsageError(`no live token with id ${argument}`);
      console.log(`revoked ${argument}`);
    } else {
      throw new UsageError('unknown command');
    }
  } finally {
    await database.close();
  }
}

run(process.argv.slice(2)).catch((error: unknown) => {
  console.error(
    error instanceof UsageError
      ? `${error.message}\n${USAGE}`
      : `failed: ${error instanceof Error ? error.message : String(error)}`,
  );
  process.exit(1);
});
