import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, launchBrowser } from './browser.ts';
import { LONG_TITLE, NEEDLE_EN, NEEDLE_ZH, type SeededHistory, seedHistory, TITLE_ONLY_WORD } from './seed.ts';
import { startWebServer, type WebServer } from './server.ts';

const screenshots = fileURLToPath(new URL('./screenshots/', import.meta.url));
const USER = 'e2e-user';

let server: WebServer;
let token: string;
let history: SeededHistory;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  await mkdir(screenshots, { recursive: true });
  server = await startWebServer();
  token = await server.token(USER);
  history = await seedHistory(server.db.orm, { userId: USER, conversations: 2000, longMessages: 10_000 });
  browser = await launchBrowser();
  page = browser.page;
  page.on('pageerror', (error) => {
    throw error;
  });
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const shot = (name: string) => page.screenshot({ path: `${screenshots}${name}.png` });
const messageCount = () => page.locator('[data-message-id]').count();
const theme = () => page.evaluate(() => document.documentElement.dataset.theme);
/** Scroll position of the thread and the ids of the messages in the DOM, in order. */
const threadState = () =>
  page.evaluate(() => {
    const scroller = document.querySelector('.thread-scroll') as HTMLElement;
    const ids = [...document.querySelectorAll('[data-message-id]')].map((element) =>
      element.getAttribute('data-message-id'),
    );
    return { top: scroller.scrollTop, height: scroller.scrollHeight, ids };
  });
/** Whether the message is on screen inside the thread's scroller. */
const onScreen = (id: string) =>
  page.evaluate((messageId) => {
    const element = document.querySelector(`[data-message-id="${messageId}"]`);
    const scroller = document.querySelector('.thread-scroll');
    if (!element || !scroller) return false;
    const box = element.getBoundingClientRect();
    const view = scroller.getBoundingClientRect();
    return box.bottom > view.top && box.top < view.bottom;
  }, id);

async function openPalette() {
  await page.keyboard.press('Control+k');
  await page.locator('[role="dialog"] input[aria-label="Search"]').waitFor();
}

describe('the web client in Chromium', () => {
  it('refuses a bad token with a clear screen, then signs in from the printed link and drops it from the URL', async () => {
    await page.goto(`${server.url}/?token=not-a-real-token`);
    await page.getByRole('alert').filter({ hasText: 'refused this token' }).waitFor();
    expect(page.url()).not.toContain('token=');
    await shot('sign-in-refused-light');

    await page.goto(`${server.url}/?token=${token}`);
    await page.locator('[data-conversation-id]').first().waitFor();
    expect(page.url()).toBe(`${server.url}/`);
    expect(await page.evaluate(() => localStorage.getItem('threadstore.token'))).toBe(token);
    expect(await page.locator('[data-connection="online"]').count()).toBe(1);
  });

  it('groups the sidebar (pinned, Today … months), scrolls 2,000 conversations with few rows in the DOM', async () => {
    const firstRows = await page
      .locator('[data-conversation-id]')
      .evaluateAll((rows) => rows.slice(0, 6).map((row) => row.getAttribute('data-conversation-id')));
    expect(firstRows.slice(0, history.pinnedIds.length).sort()).toEqual([...history.pinnedIds].sort());
    expect(firstRows[history.pinnedIds.length]).toBe(history.longId);

    // Infinite scroll to the end: every live conversation is reachable, never more than a screenful in the DOM.
    const visible = 2001 - history.archivedIds.length - history.trashedIds.length;
    const headers: string[] = [];
    let most = 0;
    await expect
      .poll(
        async () => {
          for (const header of await page.locator('.group-header').allTextContents()) {
            if (!headers.includes(header)) headers.push(header);
          }
          most = Math.max(most, await page.locator('[data-conversation-id]').count());
          // Less than a screen at a time, and only once the rows scrolled to are drawn: a longer step could carry
          // a group's header past the window unseen (which group depended on the time of day the test ran).
          await page.locator('.sidebar-scroll').evaluate(async (element) => {
            element.scrollTop += 0.8 * element.clientHeight;
            await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
          });
          return page.locator('.status-bar').textContent();
        },
        { timeout: 90_000, interval: 0 },
      )
      .toContain(`${visible.toLocaleString('en-GB')} conversations`);
    expect(headers.slice(0, 5)).toEqual(['Pinned', 'Today', 'Yesterday', 'Previous 7 days', 'Previous 30 days']);
    // Then one group per month, newest first, back two years.
    expect(headers.length).toBeGreaterThan(20);
    for (const header of headers.slice(5)) expect(header).toMatch(/^[A-Z][a-z]+ \d{4}$/);
    expect(most).toBeLessThan(80);
    expect(await page.locator('[data-conversation-id]').count()).toBeLessThan(80);
    await page.locator('.sidebar-scroll').evaluate((element) => {
      element.scrollTop = 0;
    });
  });

  it('filters titles, and shows Archived and Trash', async () => {
    await page.getByLabel('Filter conversations by title').fill(TITLE_ONLY_WORD);
    await expect.poll(() => page.locator('[data-conversation-id]').count()).toBe(1);
    expect(await page.locator('[data-conversation-id]').getAttribute('data-conversation-id')).toBe(history.titledId);
    await page.getByLabel('Filter conversations by title').fill('');
    const loaded = () => page.locator('.status-bar').textContent();
    await page.getByRole('tab', { name: 'Archived' }).click();
    await expect.poll(loaded).toMatch(new RegExp(`\\D${history.archivedIds.length} conversations`));
    expect(await page.locator(`[data-conversation-id="${history.archivedIds[0]}"]`).count()).toBe(1);
    await page.getByRole('tab', { name: 'Trash' }).click();
    await expect.poll(loaded).toMatch(new RegExp(`\\D${history.trashedIds.length} conversations`));
    expect(await page.locator(`[data-conversation-id="${history.trashedIds[0]}"]`).count()).toBe(1);
    await page.getByRole('tab', { name: 'Chats' }).click();
    await page.locator(`[data-conversation-id="${history.longId}"]`).waitFor();
  });

  it('opens a 10,000-message thread at the newest messages and renders every part type', async () => {
    await page.locator(`[data-conversation-id="${history.longId}"]`).click();
    await page.waitForURL(`**/c/${history.longId}`);
    const newest = history.longMessageIds.at(-1) as string;
    await page.locator(`[data-message-id="${newest}"]`).waitFor();
    await expect.poll(() => onScreen(newest)).toBe(true);
    expect(await messageCount()).toBeLessThan(200);

    const thread = page.locator('.thread-scroll');
    await expect.poll(() => thread.locator('table').count()).toBeGreaterThan(0);
    expect(await thread.locator('th').allTextContents()).toEqual(['特性', 'PostgreSQL', 'SQLite']);
    const link = thread.getByRole('link', { name: 'docs' });
    expect(await link.getAttribute('target')).toBe('_blank');
    expect(await link.getAttribute('rel')).toContain('noopener');
    await thread.locator('.shiki').first().waitFor({ timeout: 20_000 });
    expect(await thread.locator('details.reasoning').getAttribute('open')).toBeNull();
    expect(await thread.locator('.badge[data-state="approval-requested"]').textContent()).toBe('awaiting approval');
    expect(await thread.locator('.badge[data-state="output-available"]').first().textContent()).toBe('done');
    expect(await thread.locator('.tool-card.state-output-error .tool-error').textContent()).toContain(
      'relation "missing" does not exist',
    );
    await thread.locator('.tool-card.state-output-available summary').first().click();
    await expect.poll(() => thread.getByText('"晴"').count()).toBeGreaterThan(0);
    expect(await thread.locator('.file-part img').getAttribute('alt')).toBe('chart.png');
    expect(await thread.getByRole('link', { name: 'data.csv' }).getAttribute('download')).toBe('data.csv');
    expect(await thread.getByRole('link', { name: 'Benchmarks' }).getAttribute('href')).toBe(
      'https://example.com/benchmarks',
    );
    expect(await thread.locator('.data-part .badge').textContent()).toBe('weather');
    expect(await thread.locator('.unknown-part .badge').allTextContents()).toEqual([
      'custom: provider-note',
      'future-part',
    ]);
    expect(await thread.locator('.tool-card .tool-name').allTextContents()).toContain('lookup result');
    expect(await thread.locator('[data-status="streaming"]').count()).toBe(1);
    await shot('thread-light');
  });

  it('refreshes a streaming message as it goes on', async () => {
    await server.db.orm.em.fork().execute(
      `update messages set status = 'complete', parts = '[{"type":"text","text":"回答已经完成 finished"}]'::jsonb,
                content = '回答已经完成 finished' where uuid = ?`,
      [history.streamingId],
    );
    const message = page.locator(`[data-message-id="${history.streamingId}"]`);
    await message.getByText('回答已经完成 finished').waitFor({ timeout: 10_000 });
    expect(await page.locator('[data-status="streaming"]').count()).toBe(0);
  });

  it('scrolls to the top of the thread and back, keeping its place while older pages load', async () => {
    const first = history.longMessageIds[0] as string;
    const shifts: number[] = [];
    for (let round = 0; round < 150; round++) {
      // Scroll to the top and note, in the same task, which message is on screen there and where.
      const before = await page.locator('.thread-scroll').evaluate(async (element) => {
        // As a reader would: a wheel turn (which ends any anchoring), then the scroll to the top.
        element.dispatchEvent(new WheelEvent('wheel', { deltaY: -100000 }));
        element.scrollTop = 0;
        // One frame: the scroll event has rendered the messages at the top, the older page is still on its way.
        await new Promise((resolve) => requestAnimationFrame(resolve));
        const view = element.getBoundingClientRect();
        const top = [...element.querySelectorAll('[data-message-id]')].find(
          (item) => item.getBoundingClientRect().bottom > view.top + 1,
        ) as HTMLElement;
        return { id: top.dataset.messageId as string, y: top.getBoundingClientRect().top };
      });
      // The very first message at the top: all of the thread has been walked.
      if (before.id === first) break;
      await expect
        .poll(async () => (await threadState()).ids.includes(before.id) && (await threadState()).top > 0, {
          timeout: 15_000,
        })
        .toBe(true);
      await page.waitForTimeout(50);
      const y = await page
        .locator(`[data-message-id="${before.id}"]`)
        .evaluate((element) => element.getBoundingClientRect().top);
      shifts.push(Math.abs(y - before.y));
      expect(await messageCount()).toBeLessThan(200);
    }
    // The message being read stays where it was while older pages land above it.
    expect(shifts.length).toBeGreaterThan(50);
    expect(Math.max(...shifts)).toBeLessThan(60);
    expect(await onScreen(first)).toBe(true);
    expect(await messageCount()).toBeLessThan(200);

    await page.locator('.thread-scroll').evaluate((element) => {
      element.scrollTop = element.scrollHeight;
    });
    const newest = history.longMessageIds.at(-1) as string;
    await expect
      .poll(async () => {
        await page.locator('.thread-scroll').evaluate((element) => {
          element.scrollTop = element.scrollHeight;
        });
        return onScreen(newest);
      })
      .toBe(true);
    expect(await messageCount()).toBeLessThan(200);
  });

  it('searches in Chinese and jumps to a hit thousands of messages back, highlighted', async () => {
    await openPalette();
    await page.keyboard.type('纠缠实验');
    const hit = page.locator(`[role="dialog"] [data-hit-message-id="${history.longMessageIds[history.needleIndex]}"]`);
    await hit.waitFor();
    expect(await hit.locator('mark').first().textContent()).toBe('纠缠实验');
    await shot('palette-chinese-light');
    await page.keyboard.press('Enter');
    const target = history.longMessageIds[history.needleIndex] as string;
    await page.waitForURL(`**/c/${history.longId}/m/${target}`);
    const message = page.locator(`[data-message-id="${target}"]`);
    await message.waitFor();
    await expect.poll(() => onScreen(target)).toBe(true);
    expect(await message.getAttribute('class')).toContain('highlighted');
    expect(await page.locator('[role="dialog"]').count()).toBe(0);
  });

  it('searches in English, shows a title match once as a conversation, and keeps the deep link over a reload', async () => {
    await openPalette();
    await page.keyboard.type(TITLE_ONLY_WORD);
    const conversationItem = page.locator(`[role="dialog"] [data-conversation-id="${history.titledId}"]`);
    await conversationItem.waitFor();
    expect(await page.locator('[role="dialog"] [data-hit-message-id]').count()).toBe(0);

    await page.locator('[role="dialog"] input[aria-label="Search"]').fill(NEEDLE_EN);
    const target = history.longMessageIds[history.needleIndex] as string;
    await page.locator(`[role="dialog"] [data-hit-message-id="${target}"]`).waitFor();
    expect(await page.locator('[role="dialog"] mark').first().textContent()).toBe(NEEDLE_EN);
    await page.locator(`[role="dialog"] [data-hit-message-id="${target}"]`).click();
    await page.waitForURL(`**/m/${target}`);

    await page.reload();
    await page.locator(`[data-message-id="${target}"]`).waitFor();
    await expect.poll(() => onScreen(target)).toBe(true);
    expect(await page.locator('.thread-title').textContent()).toBe(LONG_TITLE);

    // The last open conversation comes back at the root.
    await page.goto(`${server.url}/`);
    await page.waitForURL(`**/c/${history.longId}`);
  });

  it('works from the keyboard alone', async () => {
    await page.goto(`${server.url}/c/${history.longId}`);
    await page.locator('[data-conversation-id]').first().waitFor();
    await page.getByLabel('Filter conversations by title').focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    const focused = await page
      .locator('.sidebar-scroll')
      .evaluate((element) => element.getAttribute('aria-activedescendant'));
    expect(focused).toMatch(/^conv-/);
    expect(await page.evaluate(() => document.activeElement?.getAttribute('role'))).toBe('listbox');
    await page.keyboard.press('Enter');
    const opened = (focused as string).slice('conv-'.length);
    await page.waitForURL(`**/c/${opened}`);
    expect(opened).not.toBe(history.longId);

    await openPalette();
    await page.keyboard.type(NEEDLE_ZH);
    await page.locator('[role="dialog"] [data-hit-message-id]').first().waitFor();
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator('[role="dialog"]').count()).toBe(0);
    await openPalette();
    await page.keyboard.press('Escape');

    await page.keyboard.press('Alt+n');
    await page.waitForURL('**/new');
    await page.locator('[data-view="new"]').waitFor();
    await page.keyboard.press('Control+n');
    await page.waitForURL('**/new');
  });

  it('follows the system theme, toggles and keeps the choice; screenshots in both themes', async () => {
    expect(await theme()).toBe('light');
    await page.emulateMedia({ colorScheme: 'dark' });
    await expect.poll(theme).toBe('dark');
    await page.emulateMedia({ colorScheme: 'light' });
    await expect.poll(theme).toBe('light');

    await page.goto(`${server.url}/c/${history.longId}`);
    await page.locator(`[data-message-id="${history.longMessageIds.at(-1)}"]`).waitFor();
    await page.getByRole('button', { name: /Change theme/ }).click();
    expect(await theme()).toBe('light');
    await page.getByRole('button', { name: /Change theme/ }).click();
    expect(await theme()).toBe('dark');
    await page.reload();
    await page.locator(`[data-message-id="${history.longMessageIds.at(-1)}"]`).waitFor();
    expect(await theme()).toBe('dark');
    await page.locator('.shiki').first().waitFor({ timeout: 20_000 });
    await shot('thread-dark');
    await openPalette();
    await page.keyboard.type('数据库迁移');
    await page.locator('[role="dialog"] [data-hit-message-id]').first().waitFor();
    await shot('palette-chinese-dark');
    await page.keyboard.press('Escape');
  });

  it('signs out to the sign-in screen, and signs in with a pasted token', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Access token').waitFor();
    expect(await page.evaluate(() => localStorage.getItem('threadstore.token'))).toBeNull();
    await shot('sign-in-dark');
    await page.getByLabel('Access token').fill(token);
    await page.keyboard.press('Enter');
    await page.locator('[data-conversation-id]').first().waitFor();
  });
});
