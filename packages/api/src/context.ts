import type { MikroORM } from '@mikro-orm/postgresql';
import { DEFAULT_INPUT_LIMITS, type InputLimits } from './input-guard.ts';

/** Who is calling: resolved from the bearer token by the HTTP layer, or built directly by tests. */
export type Identity =
  /** A user token acts for the user it belongs to. */
  | { tokenId: string; kind: 'user'; userId: string }
  /** A service token names the user it acts for in each call. */
  | { tokenId: string; kind: 'service'; userId: null };

export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

const silentLogger: Logger = { info() {}, warn() {}, error() {} };

/** What the server counts (its metrics); calls made outside it count nothing. */
export interface Observer {
  /** A transaction is run again after a serialization failure, a deadlock or a lost race to store the same id. */
  transactionRetried(procedure: string, reason: 'serialization' | 'deadlock' | 'replay'): void;
  /** A call ended: its procedure, its outcome ("OK" or the tRPC code) and how long it took. */
  callFinished(procedure: string, code: string, seconds: number): void;
}

const ignoringObserver: Observer = { transactionRetried() {}, callFinished() {} };

/** What a list answers at most: pages stop at a byte budget, and large metadata is left to `get`. */
export interface ListLimits {
  /** Metadata larger than this (bytes of JSON) is null in list items. */
  metadataBytes: number;
  /** A page ends once its rows hold this many bytes (at least one row per page). */
  pageBytes: number;
}

export const DEFAULT_LIST_LIMITS: ListLimits = { metadataBytes: 4096, pageBytes: 4 * 1024 * 1024 };

export interface InnerContext {
  orm: MikroORM;
  identity: Identity | null;
  log: Logger;
  limits: InputLimits;
  listLimits: ListLimits;
  observer: Observer;
}

/** The part of the context that needs no HTTP request: what `createCaller` in tests and scripts builds. */
export function createInnerContext(options: {
  orm: MikroORM;
  identity?: Identity | null;
  log?: Logger;
  limits?: InputLimits;
  listLimits?: ListLimits;
  observer?: Observer;
}): InnerContext {
  return {
    orm: options.orm,
    identity: options.identity ?? null,
    log: options.log ?? silentLogger,
    limits: options.limits ?? DEFAULT_INPUT_LIMITS,
    listLimits: options.listLimits ?? DEFAULT_LIST_LIMITS,
    observer: options.observer ?? ignoringObserver,
  };
}

/**
 * What every procedure gets. The HTTP layer builds it with the request's own logger, so every line a procedure
 * logs carries the request id.
 */
export type Context = InnerContext;
