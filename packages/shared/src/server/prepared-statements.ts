import { CompiledQuery } from 'kysely';

/**
 * Statements sent as named prepared statements: PostgreSQL parses and plans each once per connection instead of
 * on every call, and later calls send only the statement's name and its parameters. Only statements a hot path
 * marks go this way, each a fixed text per shape, so every connection holds a bounded set; anything else keeps
 * pg's unnamed statement. The texts must not change their result columns while the process runs (they name
 * their columns, never `*`), or PostgreSQL refuses the cached plan after a migration.
 */
const statementNames = new Map<string, string>();

/** More shapes than any hot path has: past it a text runs unnamed rather than growing every connection's cache. */
const MAX_PREPARED_STATEMENTS = 64;

/** A query to run through Kysely's `executeQuery`, prepared on each connection the first time it runs there. */
export function preparedQuery<Row>(text: string, parameters: readonly unknown[]): CompiledQuery<Row> {
  if (!statementNames.has(text) && statementNames.size < MAX_PREPARED_STATEMENTS) {
    statementNames.set(text, `threadstore_${statementNames.size + 1}`);
  }
  return CompiledQuery.raw(text, [...parameters]) as CompiledQuery<Row>;
}

/** The name a statement text is prepared under; undefined for every text not marked by `preparedQuery`. */
export function preparedStatementName(text: string): string | undefined {
  return statementNames.get(text);
}

/**
 * A statement's text built once per shape and kept: a hot path sends a fixed text per shape as a prepared
 * statement (preparedQuery above), and builds none on the way.
 */
export function builtOncePerShape<Shape>(build: (shape: Shape) => string): (shape: Shape) => string {
  const texts = new Map<string, string>();
  return (shape) => {
    const key = JSON.stringify(shape);
    let text = texts.get(key);
    if (text === undefined) {
      text = build(shape);
      texts.set(key, text);
    }
    return text;
  };
}
