// `pnpm bench:web`: the web client's figures on this machine. The production build's initial JavaScript
// (gzipped), then in Chromium against the real server and a 100,000-message history: first contentful paint of
// a signed-in client, time until the newest messages of a 10,000-message conversation show, and search latency
// from the last keystroke to the results of that text on screen. Not part of `pnpm test`.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { createToken } from '@threadstore/api';
import { buildApp } from '@threadstore/server';
import { createMigratedDatabase, dropDatabase, throwawayServer } from '@threadstore/shared/server';
import { launchBrowser } from '../e2e/browser.ts';
import buildWeb from '../e2e/build.ts';
import { seedHistory } from '../e2e/seed.ts';
import { distDir } from '../e2e/server.ts';

const RUNS = 7;
const USER = 'bench-user';
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
};
const fmt = (values: number[]) =>
  `median ${median(values).toFixed(0)} ms, min ${Math.min(...values).toFixed(0)}, max ${Math.max(...values).toFixed(0)} (${values.length} runs)`;

await buildWeb();
const html = await readFile(path.join(distDir, 'index.html'), 'utf8');
const initial = [...html.matchAll(/<(?:script[^>]+src|link[^>]+rel="modulepreload"[^>]+href)="([^"]+\.js)"/g)].map(
  (match) => match[1] as string,
);
let gzipped = 0;
let raw = 0;
for (const file of initial) {
  const bytes = await readFile(path.join(distDir, file));
  raw += bytes.length;
  gzipped += gzipSync(bytes, { level: 9 }).length;
}
console.log(
  `initial JavaScript: ${initial.join(', ')}: ${(raw / 1024).toFixed(1)} KB, ${(gzipped / 1024).toFixed(1)} KB gzipped`,
);

const { adminUrl, stop } = await throwawayServer('bench-web');
const database = `threadstore_bench_web_${process.pid}`;
const orm = await createMigratedDatabase(adminUrl, database, 10);
const app = await buildApp({ orm, webDistDir: distDir });
const url = await app.listen({ host: '127.0.0.1', port: 0 });
const browser = await launchBrowser();
try {
  const seeded = performance.now();
  const history = await seedHistory(orm, {
    userId: USER,
    conversations: 2000,
    messagesPerConversation: 45,
    longMessages: 10_000,
  });
  console.log(
    `history: ${history.total.messages.toLocaleString()} messages in ${history.total.conversations.toLocaleString()} conversations, seeded in ${((performance.now() - seeded) / 1000).toFixed(1)} s`,
  );
  const token = (await createToken(orm.em.fork(), { kind: 'user', userId: USER })).token;
  const { page } = browser;
  // tsx compiles the callbacks handed to the page with esbuild's name-keeping helper, which the page lacks.
  await browser.context.addInitScript('window.__name = (target) => target');
  await page.goto(`${url}/new?token=${token}`);
  await page.locator('[data-conversation-id]').first().waitFor();

  // First contentful paint of a signed-in client (HTTP cache warm after the first load, as for a returning user).
  const paints: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    await page.goto(`${url}/new`);
    await page.locator('[data-conversation-id]').first().waitFor();
    paints.push(
      await page.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? Number.NaN),
    );
  }
  console.log(`first contentful paint: ${fmt(paints)}`);

  // Opening the 10,000-message conversation from the sidebar, on a fresh page (nothing cached): click to the
  // newest message on screen.
  const newest = history.longMessageIds.at(-1) as string;
  const opens: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    await page.goto(`${url}/new`);
    const row = page.locator(`[data-conversation-id="${history.longId}"]`);
    await row.waitFor();
    opens.push(
      await row.evaluate(
        (element, id) =>
          new Promise<number>((resolve) => {
            const started = performance.now();
            const check = () => {
              const message = document.querySelector(`[data-message-id="${id}"]`);
              const scroller = document.querySelector('.thread-scroll');
              if (message && scroller) {
                const box = message.getBoundingClientRect();
                const view = scroller.getBoundingClientRect();
                if (box.bottom > view.top && box.top < view.bottom) return resolve(performance.now() - started);
              }
              requestAnimationFrame(check);
            };
            (element as HTMLElement).click();
            requestAnimationFrame(check);
          }),
        newest,
      ),
    );
  }
  console.log(`open a 10,000-message conversation, newest messages on screen: ${fmt(opens)}`);

  // Search as you type: a human's pace (120 ms between keys), timed from the last key to the first frame that
  // shows hits for the whole text (no stale results, nothing loading). Each text once, so no cache answers it.
  const queries = [
    '数据库迁移',
    '服务器超时',
    'connection pool',
    'migration script',
    '新能源汽车',
    '会议纪要',
    'refund',
    '户外跑步',
    'cache was cold',
    '时间复杂度',
  ];
  const latencies: number[] = [];
  await page.goto(`${url}/new`);
  await page.locator('[data-conversation-id]').first().waitFor();
  await page.evaluate(() => {
    window.addEventListener('keydown', () => Object.assign(window, { lastKey: performance.now() }), true);
  });
  for (const q of queries) {
    await page.keyboard.press('Control+k');
    const input = page.locator('[role="dialog"] input[aria-label="Search"]');
    await input.waitFor();
    // The palette keeps the last text when it closes: start from an empty box.
    await input.fill('');
    await page.keyboard.type(q, { delay: 120 });
    latencies.push(
      await page.evaluate(
        (text) =>
          new Promise<number>((resolve) => {
            const check = () => {
              const list = document.querySelector('.palette-list');
              const field = document.querySelector('[role="dialog"] input[aria-label="Search"]') as HTMLInputElement;
              if (
                list &&
                field?.value === text &&
                (list as HTMLElement).dataset.query === text &&
                list.getAttribute('aria-busy') === 'false' &&
                list.querySelector('[data-hit-message-id]')
              ) {
                return resolve(performance.now() - (window as unknown as { lastKey: number }).lastKey);
              }
              requestAnimationFrame(check);
            };
            check();
          }),
        q,
      ),
    );
    await page.keyboard.press('Escape');
  }
  console.log(`search, last keystroke to results on screen: ${fmt(latencies)}`);
  console.log(`  per query: ${queries.map((q, index) => `${q} ${latencies[index]?.toFixed(0)} ms`).join(', ')}`);
} finally {
  await browser.close();
  await app.close();
  await orm.close(true);
  await dropDatabase(adminUrl, database);
  await stop();
}
