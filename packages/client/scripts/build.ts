// Builds the client for services outside this repository: ESM JavaScript (dist/*.js) and declarations
// (dist/types) for the client and for what its types come from, the API's router and the shared schemas, so one
// packed tarball installs and type-checks on its own. Run with `pnpm --filter @threadstore/client build`.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const dist = path.join(root, 'dist');
const types = path.join(dist, 'types');
rmSync(dist, { recursive: true, force: true });

// The client's runtime code imports only tRPC's client and the AI SDK; everything from the workspace is types.
await build({
  entryPoints: [path.join(root, 'src/index.ts'), path.join(root, 'src/ai-sdk.ts')],
  outdir: dist,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['@trpc/client', 'ai'],
  sourcemap: true,
  logLevel: 'warning',
});

execFileSync('tsc', ['-p', path.join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
// The shared package's server side (entities, migrations) is reached by the API's code but by none of its types.
rmSync(path.join(types, 'packages/shared/src/server'), { recursive: true });

// The server's ORM appears in declarations only as the type of its request context, which a client never sees.
const ormStub = path.join(types, 'mikro-orm.d.ts');
writeFileSync(
  ormStub,
  `// Opaque stand-ins for the server's MikroORM types: they only appear in the server's request context.
declare const serverOnly: unique symbol;
export type EntityManager<Driver = unknown> = { readonly [serverOnly]: Driver };
export type MikroORM = { readonly [serverOnly]: unknown };
export type PostgreSqlDriver = { readonly [serverOnly]: unknown };
`,
);
// The same for the API's typed queries (Kysely, and the tables derived from the entities): server code only.
const queryStub = path.join(types, 'queries.d.ts');
writeFileSync(
  queryStub,
  `// Opaque stand-ins for the server's query types: they only appear in the server's data access.
declare const serverOnly: unique symbol;
export type Database = Record<string, Record<string, unknown>>;
export type Kysely<DB> = { readonly [serverOnly]: DB };
export type RawBuilder<T> = { readonly [serverOnly]: T };
export type SelectQueryBuilder<DB, TB, O> = { readonly [serverOnly]: [DB, TB, O] };
export type Selectable<T> = T;
`,
);
const targets: Record<string, string> = {
  '@threadstore/api': path.join(types, 'packages/api/src/index.js'),
  '@threadstore/shared': path.join(types, 'packages/shared/src/index.js'),
  '@threadstore/shared/server': queryStub.replace(/\.d\.ts$/, '.js'),
  '@mikro-orm/postgresql': ormStub.replace(/\.d\.ts$/, '.js'),
  kysely: queryStub.replace(/\.d\.ts$/, '.js'),
};

function declarations(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    return statSync(file).isDirectory() ? declarations(file) : file.endsWith('.d.ts') ? [file] : [];
  });
}

for (const file of declarations(types)) {
  const relative = (target: string) => {
    const specifier = path.relative(path.dirname(file), target).split(path.sep).join('/');
    return specifier.startsWith('.') ? specifier : `./${specifier}`;
  };
  const source = readFileSync(file, 'utf8');
  const rewritten = source.replace(/(from |import\()(['"])([^'"]+)\2/g, (match, keyword, quote, specifier: string) => {
    const target = targets[specifier];
    if (target) return `${keyword}${quote}${relative(target)}${quote}`;
    if (specifier.startsWith('.')) return `${keyword}${quote}${specifier.replace(/\.ts$/, '.js')}${quote}`;
    if (specifier.startsWith('@threadstore/') || specifier.startsWith('@mikro-orm/')) {
      throw new Error(`${file}: ${specifier} would not resolve outside the workspace`);
    }
    return match;
  });
  if (rewritten !== source) writeFileSync(file, rewritten);
}
