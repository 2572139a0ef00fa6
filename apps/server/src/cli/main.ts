#!/usr/bin/env node
// `pnpm threadstore <command>`: import, export, token, migrate, stats, doctor. `--help` on any command says more;
// exit codes are in exit-codes.ts and docs/import-export.md.
import { Command, CommanderError } from 'commander';
import { doctorCommand, migrateCommand, statsCommand, tokenCommand } from './admin-commands.ts';
import { CliError, EXIT } from './exit-codes.ts';
import { exportCommand } from './export-command.ts';
import { importCommand } from './import-command.ts';
import { Output } from './output.ts';

const program = new Command('threadstore')
  .description('threadstore: a PostgreSQL history store for AI-agent chats')
  .option('--json', 'machine-readable output on stdout')
  .showHelpAfterError('(add --help for usage)')
  .addHelpText(
    'after',
    `
Exit codes: 0 done, 1 usage, 2 bad input, 3 not found, 4 database unreachable, 5 migrations to apply,
6 doctor found a problem, 9 anything else. See docs/import-export.md.`,
  )
  .exitOverride();

const output = () => new Output(Boolean(program.opts().json));
for (const command of [
  importCommand(output),
  exportCommand(output),
  tokenCommand(output),
  migrateCommand(output),
  statsCommand(output),
  doctorCommand(output),
]) {
  program.addCommand(command.exitOverride());
}
// Subcommands of subcommands (import supabase, token list, …) fail through the same path.
for (const command of program.commands) for (const sub of command.commands) sub.exitOverride();

function fail(code: number, message: string, reported = false): never {
  if (program.opts().json && !reported)
    process.stdout.write(`${JSON.stringify({ error: message, exitCode: code }, null, 2)}\n`);
  process.stderr.write(`threadstore: ${message}\n`);
  process.exit(code);
}

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // Help and version are no failure; commander has printed its own words for a usage error.
    process.exit(error.exitCode === 0 ? EXIT.ok : EXIT.usage);
  }
  if (error instanceof CliError) fail(error.exitCode, error.message, error.reported);
  fail(EXIT.internal, `failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
}
