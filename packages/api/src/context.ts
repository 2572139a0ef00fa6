import type { MikroORM } from '@mikro-orm/postgresql';
import type { ApiTokenKind } from '@threadstore/shared';

/** Who is calling: resolved from the bearer token by the HTTP layer, or built directly by tests. */
export interface Identity {
  tokenId: string;
  kind: ApiTokenKind;
  /** The user a user token belongs to; null for service tokens, which name a user per call. */
  userId: string | null;
}

export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

const silentLogger: Logger = { info() {}, warn() {}, error() {} };

export interface InnerContext {
  orm: MikroORM;
  identity: Identity | null;
  log: Logger;
}

/** The part of the context that needs no HTTP request: what `createCaller` in tests and scripts builds. */
export function createInnerContext(options: { orm: MikroORM; identity?: Identity | null; log?: Logger }): InnerContext {
  return { orm: options.orm, identity: options.identity ?? null, log: options.log ?? silentLogger };
}

/** The full context: the inner part plus what the HTTP layer knows about the request. */
export type Context = InnerContext & { request?: { id: string; ip?: string } };
