// Helpers for this package's tests: a real threadstore server over HTTP, and a proxy that loses responses.
import net from 'node:net';
import { createToken } from '@threadstore/api';
import { buildApp } from '@threadstore/server';
import type { MessagePart } from '@threadstore/shared';
import { createTestDatabase, type TestDatabase } from '@threadstore/shared/testing';
import { createThreadstoreClient, type ThreadstoreClient, type ThreadstoreClientOptions } from './client.ts';

export interface TestServer {
  url: string;
  db: TestDatabase;
  userToken(userId: string): Promise<string>;
  serviceToken(): Promise<string>;
  close(): Promise<void>;
}

/** A server on a fresh database of this test file's own, listening on a free port. */
export async function startTestServer(): Promise<TestServer> {
  const db = await createTestDatabase();
  const app = await buildApp({ orm: db.orm });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    url,
    db,
    userToken: async (userId) => (await createToken(db.orm.em.fork(), { kind: 'user', userId })).token,
    serviceToken: async () => (await createToken(db.orm.em.fork(), { kind: 'service', label: 'agents' })).token,
    async close() {
      await app.close();
      await db.drop();
    },
  };
}

/** A test server and a client for one user on it: what most of this package's test files start with. */
export async function startTestServerFor(
  userId: string,
): Promise<{ server: TestServer; token: string; client: ThreadstoreClient }> {
  const server = await startTestServer();
  const token = await server.userToken(userId);
  return { server, token, client: fastClient({ url: server.url, token }) };
}

/** Retries in tests wait a millisecond, not the production backoff. */
export const fastClient = (options: ThreadstoreClientOptions) =>
  createThreadstoreClient({ ...options, retry: { baseDelayMs: 1, maxDelayMs: 5, ...options.retry } });

export interface RecordedRequest {
  path: string;
  /** The batch's inputs by position, from the body of a POST or the URL of a GET. */
  inputs: Record<string, unknown>;
}

/** Passes every call through to the real fetch, recording what each request carried. */
export function recordingFetch(): { fetch: typeof fetch; requests: RecordedRequest[] } {
  const requests: RecordedRequest[] = [];
  return {
    requests,
    async fetch(input, init) {
      const url = new URL(input instanceof Request ? input.url : input);
      const encoded = typeof init?.body === 'string' ? init.body : url.searchParams.get('input');
      requests.push({ path: url.pathname.replace(/^\/trpc\//, ''), inputs: encoded ? JSON.parse(encoded) : {} });
      return fetch(input, init);
    },
  };
}

export interface LossyProxy {
  url: string;
  /** Procedure paths of the requests that went through, in order. */
  calls: string[];
  /** The next request to `path` reaches the server, but its connection is cut as the answer comes back. */
  loseResponseTo(path: string): void;
  close(): Promise<void>;
}

/** A TCP proxy in front of `target`: the server really commits the write, and the client really sees a reset. */
export async function startLossyProxy(target: string): Promise<LossyProxy> {
  const { hostname, port } = new URL(target);
  const calls: string[] = [];
  const sockets = new Set<net.Socket>();
  let armedPath: string | undefined;
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(port), hostname);
    let loseResponse = false;
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    client.on('data', (chunk) => {
      const path = /^(?:GET|POST) \/trpc\/([^?\s]+)/.exec(chunk.toString('latin1'))?.[1];
      if (path !== undefined) {
        calls.push(path);
        if (path === armedPath) {
          armedPath = undefined;
          loseResponse = true;
        }
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      if (loseResponse) client.resetAndDestroy();
      else client.write(chunk);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port: proxyPort } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${proxyPort}`,
    calls,
    loseResponseTo(path) {
      armedPath = path;
    },
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

export const text = (value: string): MessagePart => ({ type: 'text', text: value });
