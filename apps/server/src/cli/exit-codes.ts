/** The command line's exit codes (docs/import-export.md lists them too). */
export const EXIT = {
  ok: 0,
  /** Unknown command or option, a missing argument, options that do not go together. */
  usage: 1,
  /** A file or record that cannot be imported; a value that is not what it must be. */
  badInput: 2,
  /** The file, token or conversation named does not exist. */
  notFound: 3,
  /** The database cannot be reached. */
  databaseUnreachable: 4,
  /** The database has migrations still to apply: run `threadstore migrate`. */
  notMigrated: 5,
  /** `doctor` found a problem. */
  unhealthy: 6,
  /** Anything else: a bug, reported with its message. */
  internal: 9,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A failure worded for the person at the terminal, with the exit code it ends the process with. */
export class CliError extends Error {
  readonly exitCode: ExitCode;
  /** The command printed its result already (doctor's table): with --json, stdout stays that one document. */
  readonly reported: boolean;
  constructor(exitCode: ExitCode, message: string, options: { reported?: boolean } = {}) {
    super(message);
    this.exitCode = exitCode;
    this.reported = options.reported ?? false;
  }
}
