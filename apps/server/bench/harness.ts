// Shared by the benchmarks: a throwaway PostgreSQL (embedded, or DATABASE_URL's server), migrated, and timing helpers.
import type { MikroORM } from '@mikro-orm/postgresql';
import { createMigratedDatabase, dropDatabase, throwawayServer } from '@threadstore/shared/server';
import type pg from 'pg';

export { serverDir, serverNodeArguments } from '../src/server-command.ts';

export interface BenchDatabase {
  orm: MikroORM;
  close(): Promise<void>;
}

export async function openBenchDatabase(name: string): Promise<BenchDatabase> {
  const { adminUrl, stop } = await throwawayServer(`bench-${name}`);
  const database = `threadstore_bench_${name}_${process.pid}`;
  const orm = await createMigratedDatabase(adminUrl, database, 10);
  return {
    orm,
    async close() {
      await orm.close(true);
      await dropDatabase(adminUrl, database);
      await stop();
    },
  };
}

export interface Timing {
  p50: number;
  p95: number;
  p99: number;
  mean: number;
}

export function percentiles(values: readonly number[]): Timing {
  const samples = [...values].sort((a, b) => a - b);
  const at = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))] ?? Number.NaN;
  return {
    p50: at(0.5),
    p95: at(0.95),
    p99: at(0.99),
    mean: samples.reduce((sum, value) => sum + value, 0) / samples.length,
  };
}

export async function time(runs: number, body: (index: number) => Promise<unknown>): Promise<Timing> {
  const samples: number[] = [];
  for (let index = 0; index < runs; index += 1) {
    const started = performance.now();
    await body(index);
    samples.push(performance.now() - started);
  }
  return percentiles(samples);
}

export const ms = (value: number) => `${value.toFixed(2)} ms`;

/** `work` on one connection of the pool, between BEGIN and COMMIT (ROLLBACK when it throws). */
export async function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    const result = await work(client);
    await client.query('commit');
    return result;
  } catch (error) {
    await client.query('rollback');
    throw error;
  } finally {
    client.release();
  }
}
