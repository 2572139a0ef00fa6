import type { MikroORM } from '@mikro-orm/postgresql';
import type pg from 'pg';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

const TABLES = ['conversations', 'messages', 'contexts', 'notes', 'api_tokens'];
const TABLE_SAMPLE_MS = 60_000;
const latencyBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The server's Prometheus metrics. Every label value comes from a closed set (known routes, known
 * procedures, tRPC codes), so no request can add a series.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly http = new Histogram({
    name: 'threadstore_http_request_duration_seconds',
    help: 'HTTP requests by method, route pattern (unknown paths share "unmatched") and status.',
    labelNames: ['method', 'route', 'status'],
    buckets: latencyBuckets,
    registers: [this.registry],
  });
  private readonly calls = new Histogram({
    name: 'threadstore_trpc_call_duration_seconds',
    help: 'tRPC calls (each call of a batch on its own) by procedure and outcome code.',
    labelNames: ['procedure', 'code'],
    buckets: latencyBuckets,
    registers: [this.registry],
  });
  private readonly queries = new Histogram({
    name: 'threadstore_db_query_duration_seconds',
    help: 'Round trips to PostgreSQL, by outcome.',
    labelNames: ['outcome'],
    buckets: latencyBuckets,
    registers: [this.registry],
  });
  private readonly poolWait = new Histogram({
    name: 'threadstore_db_pool_wait_seconds',
    help: 'Time to get a connection from the pool, by outcome.',
    labelNames: ['outcome'],
    buckets: latencyBuckets,
    registers: [this.registry],
  });
  private readonly retries = new Counter({
    name: 'threadstore_transaction_retries_total',
    help: 'Transactions run again after a serialization failure, a deadlock or a lost race to store the same id (reason).',
    labelNames: ['procedure', 'reason'],
    registers: [this.registry],
  });
  private readonly limited = new Counter({
    name: 'threadstore_rate_limited_total',
    help: 'Requests refused with 429 by the per-token rate limit.',
    registers: [this.registry],
  });

  private readonly orm: MikroORM;
  private readonly procedures: ReadonlySet<string>;

  constructor(orm: MikroORM, procedures: ReadonlySet<string>, ping: () => Promise<boolean>) {
    this.orm = orm;
    this.procedures = procedures;
    collectDefaultMetrics({ register: this.registry, prefix: 'threadstore_' });
    const metrics = this;
    const poolGauge = (name: string, help: string, read: (pool: pg.Pool) => number) =>
      new Gauge({
        name,
        help,
        registers: [this.registry],
        async collect() {
          const pool = await metrics.pool();
          if (pool) this.set(read(pool));
        },
      });
    poolGauge('threadstore_db_pool_connections', 'Connections the pool holds.', (pool) => pool.totalCount);
    poolGauge('threadstore_db_pool_idle', 'Idle connections in the pool.', (pool) => pool.idleCount);
    poolGauge('threadstore_db_pool_waiting', 'Calls waiting for a connection.', (pool) => pool.waitingCount);
    new Gauge({
      name: 'threadstore_database_up',
      help: '1 when a query reaches PostgreSQL, 0 when it does not.',
      registers: [this.registry],
      async collect() {
        this.set((await ping()) ? 1 : 0);
      },
    });
    let sampledAt = 0;
    new Gauge({
      name: 'threadstore_table_bytes',
      help: `Size of each table with its indexes and TOAST, sampled at most once every ${TABLE_SAMPLE_MS / 1000} s.`,
      labelNames: ['table'],
      registers: [this.registry],
      async collect() {
        if (Date.now() - sampledAt < TABLE_SAMPLE_MS) return;
        sampledAt = Date.now();
        try {
          const rows = await metrics.orm.em
            .fork()
            .execute<{ table: string; bytes: string }[]>(
              'select relname as table, pg_total_relation_size(oid)::text as bytes from pg_class where relname in (?) and relkind = ?',
              [TABLES, 'r'],
            );
          for (const row of rows) this.set({ table: row.table }, Number(row.bytes));
        } catch {
          // The database is away: the last sample stays, threadstore_database_up says why.
        }
      },
    });
  }

  private async pool(): Promise<pg.Pool | undefined> {
    try {
      return (await this.orm.em.getConnection().getNativeClient()) as unknown as pg.Pool;
    } catch {
      return undefined;
    }
  }

  /** Times pool check-outs and every query of the connections the pool opens from now on. */
  async instrumentPool(): Promise<void> {
    const pool = await this.pool();
    if (!pool) return;
    const connect = pool.connect.bind(pool) as () => Promise<pg.PoolClient>;
    const poolWait = this.poolWait;
    (pool as unknown as { connect: () => Promise<pg.PoolClient> }).connect = async () => {
      const end = poolWait.startTimer();
      try {
        const client = await connect();
        end({ outcome: 'ok' });
        return client;
      } catch (error) {
        end({ outcome: 'error' });
        throw error;
      }
    };
    const queries = this.queries;
    pool.on('connect', (client) => {
      const run = client.query.bind(client) as (...args: unknown[]) => unknown;
      (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
        const result = run(...args);
        if (result instanceof Promise) {
          const end = queries.startTimer();
          result.then(
            () => end({ outcome: 'ok' }),
            () => end({ outcome: 'error' }),
          );
        }
        return result;
      };
    });
  }

  /** The procedure label: a known procedure's name, anything else "unknown". */
  procedure(name: string): string {
    return this.procedures.has(name) ? name : 'unknown';
  }

  observeRequest(method: string, route: string, status: number, seconds: number): void {
    this.http.observe({ method, route, status: String(status) }, seconds);
  }

  observeCall(procedure: string, code: string, seconds: number): void {
    this.calls.observe({ procedure: this.procedure(procedure), code }, seconds);
  }

  transactionRetried(procedure: string, reason: string): void {
    this.retries.inc({ procedure: this.procedure(procedure), reason });
  }

  rateLimited(): void {
    this.limited.inc();
  }
}
