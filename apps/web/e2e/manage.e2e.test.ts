import { mkdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { AppRouter } from '@threadstore/api';
import { createTRPCClient, httpBatchLink } from '@trpc/client';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFailed } from 'vitest';
import { type Browser, launchBrowser } from './browser.ts';
import { everyPartType, seedHistory } from './seed.ts';
import { startWebServer, type WebServer } from './server.ts';

const screenshots = process.env.SCREENSHOTS_DIR ?? fileURLToPath(new URL('./screenshots/', import.meta.url));
const USER = 'e2e-manage';
const INSPECTED_TITLE = '会话检查 Inspector 测试';

let server: WebServer;
let browser: Browser;
let page: Page;
let api: ReturnType<typeof createTRPCClient<AppRouter>>;
let inspectedId: string;
/** The sidebar's conversations as the server lists them (pinned first, then by last activity). */
let listed: string[];

async function listAll(input: { archived?: boolean; trashed?: boolean; tag?: string } = {}) {
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await api.conversation.list.query({ ...input, cursor, limit: 100 });
    ids.push(...page.items.map((item) => item.id));
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return ids;
}

beforeAll(async () => {
  await mkdir(screenshots, { recursive: true });
  server = await startWebServer();
  const token = await server.token(USER);
  await seedHistory(server.db.orm, { userId: USER, conversations: 300, longMessages: 40 });
  api = createTRPCClient<AppRouter>({
    links: [httpBatchLink({ url: `${server.url}/trpc`, headers: { authorization: `Bearer ${token}` } })],
  });
  // The inspected conversation is the newest: a session with contexts, notes and every part type.
  const inspected = await api.conversation.create.mutate({ title: INSPECTED_TITLE });
  inspectedId = inspected.id;
  // The legacy tool-result part is one the seed writes straight into the table; the API refuses it, rightly.
  for (const message of everyPartType().slice(0, 2))
    await api.message.append.mutate({ conversationId: inspectedId, ...message });
  await api.context.save.mutate({
    sessionId: inspectedId,
    action: 'plan',
    contextData: { step: 1, goal: '整理会议纪要', done: false, items: ['收集', '总结'], owner: { name: '李雷' } },
  });
  await api.context.save.mutate({
    sessionId: inspectedId,
    action: 'search',
    contextData: { query: '数据库迁移', hits: 3 },
  });
  for (const [action, name, context] of [
    ['plan', '要点一', '先确认迁移窗口，再通知用户。'],
    ['plan', '要点二', 'Roll back if the dry run fails.'],
    ['search', '参考资料', 'PostgreSQL 18 release notes'],
  ] as const) {
    await api.note.create.mutate({ sessionId: inspectedId, action, name, context });
  }
  listed = await listAll();
  browser = await launchBrowser();
  page = browser.page;
  page.on('pageerror', (error) => {
    throw error;
  });
  await page.goto(`${server.url}/?token=${token}`);
  await page.locator('[data-conversation-id]').first().waitFor();
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

beforeEach((context) => {
  onTestFailed(async () => {
    await shot(`failed-${context.task.name.slice(0, 40).replace(/\W+/g, '-')}`);
  });
});

const shot = (name: string) => page.screenshot({ path: `${screenshots}/${name}.png` });
const row = (id: string) => page.locator(`[data-conversation-id="${id}"]`);
const rowIds = () =>
  page
    .locator('[data-conversation-id]')
    .evaluateAll((rows) => rows.map((item) => item.getAttribute('data-conversation-id')));
const scrollSidebarToTop = () =>
  page.locator('.sidebar-scroll').evaluate((element) => {
    element.scrollTop = 0;
  });
async function menu(id: string, action: string) {
  await row(id).click({ button: 'right' });
  await page.locator(`[role="menu"] [data-menu-action="${action}"]`).click();
}
const tab = (name: 'Chats' | 'Archived' | 'Trash') => page.getByRole('tab', { name }).click();
/** A conversation of the first screen that is not pinned and not the inspected one, a different one each call. */
let nextPick = 3;
const pick = () => listed[nextPick++] as string;

describe('managing history in Chromium', () => {
  it('renames inline from the menu and with F2, and the title stays after a reload', async () => {
    const id = pick();
    await menu(id, 'rename');
    await page.getByLabel('New title').fill('重命名 Renamed once');
    await page.keyboard.press('Enter');
    await expect.poll(() => row(id).locator('.conversation-title').textContent()).toBe('重命名 Renamed once');
    await expect.poll(async () => (await api.conversation.get.query({ id })).title).toBe('重命名 Renamed once');

    await row(id).click();
    await page.keyboard.press('F2');
    await page.getByLabel('New title').fill('Renamed twice');
    await page.keyboard.press('Enter');
    await expect.poll(async () => (await api.conversation.get.query({ id })).title).toBe('Renamed twice');
    await page.reload();
    await expect.poll(() => row(id).locator('.conversation-title').textContent()).toBe('Renamed twice');
  });

  it('shows a rename that lost to a concurrent change with the current value, without overwriting it', async () => {
    const id = pick();
    await row(id).waitFor();
    // Someone else renames it after the sidebar loaded: the sidebar still holds the old version.
    await api.conversation.update.mutate({ id, title: 'Changed elsewhere' });
    await menu(id, 'rename');
    await page.getByLabel('New title').fill('Mine, too late');
    await page.keyboard.press('Enter');
    await page.getByText('Changed elsewhere: nothing was overwritten').waitFor();
    await expect.poll(() => row(id).locator('.conversation-title').textContent()).toBe('Changed elsewhere');
    expect((await api.conversation.get.query({ id })).title).toBe('Changed elsewhere');
  });

  it('pins: the conversation moves to the top, into the Pinned group', async () => {
    const id = listed[40] as string;
    await scrollSidebarToTop();
    await page.getByLabel('Filter conversations by title').fill((await api.conversation.get.query({ id })).title ?? '');
    await menu(id, 'pin');
    await page.getByLabel('Filter conversations by title').fill('');
    await expect.poll(async () => (await rowIds()).indexOf(id)).toBeGreaterThanOrEqual(0);
    await expect.poll(async () => (await listAll()).slice(0, 5)).toContain(id);
    const pinned = (await listAll()).slice(0, 5);
    await expect.poll(async () => (await rowIds()).slice(0, pinned.indexOf(id) + 1)).toContain(id);
    expect(await page.locator('.group-header').first().textContent()).toBe('Pinned');
    await expect.poll(() => row(id).locator('.pin').count()).toBe(1);
  });

  it('archives and unarchives', async () => {
    const id = pick();
    await menu(id, 'archive');
    await expect.poll(() => row(id).count()).toBe(0);
    await expect.poll(async () => (await api.conversation.get.query({ id })).archivedAt).not.toBeNull();
    await tab('Archived');
    await menu(id, 'unarchive');
    await expect.poll(() => row(id).count()).toBe(0);
    await expect.poll(async () => (await api.conversation.get.query({ id })).archivedAt).toBeNull();
    await tab('Chats');
    await row(id).waitFor();
  });

  it('deletes to the trash, and Undo in the toast brings it back', async () => {
    const id = pick();
    await menu(id, 'delete');
    await expect.poll(() => row(id).count()).toBe(0);
    await expect.poll(async () => (await api.conversation.get.query({ id })).deletedAt).not.toBeNull();
    await page.getByRole('button', { name: 'Undo' }).click();
    await row(id).waitFor();
    await expect.poll(async () => (await api.conversation.get.query({ id })).deletedAt).toBeNull();
  });

  it('deletes with the Delete key, restores from the Trash, and purges after asking', async () => {
    const restored = pick();
    const purged = pick();
    await row(restored).click();
    await page.keyboard.press('Delete');
    await expect.poll(() => row(restored).count()).toBe(0);
    await menu(purged, 'delete');
    await expect.poll(() => row(purged).count()).toBe(0);

    await tab('Trash');
    await row(restored).waitFor();
    await shot('trash-light');
    await menu(restored, 'restore');
    await expect.poll(() => row(restored).count()).toBe(0);
    await expect.poll(async () => (await api.conversation.get.query({ id: restored })).deletedAt).toBeNull();

    await menu(purged, 'purge');
    const dialog = page.getByRole('dialog');
    await dialog.getByText('This cannot be undone').waitFor();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expect(await row(purged).count()).toBe(1);
    await menu(purged, 'purge');
    await page.getByRole('dialog').getByRole('button', { name: 'Purge' }).click();
    await expect.poll(() => row(purged).count()).toBe(0);
    await expect
      .poll(() =>
        api.conversation.get.query({ id: purged }).then(
          () => 'there',
          (error: Error) => error.message,
        ),
      )
      .toMatch(/not found/i);
    await tab('Chats');
    await row(restored).waitFor();
  });

  it('selects 50 with Shift+arrows and deletes them at once', async () => {
    listed = await listAll();
    const start = listed.indexOf(pick());
    const chosen = listed.slice(start, start + 50);
    await row(chosen[0] as string).click();
    for (let index = 1; index < 50; index++) await page.keyboard.press('Shift+ArrowDown');
    const bar = page.getByRole('toolbar', { name: 'Selected conversations' });
    await bar.getByText('50 selected').waitFor();
    await shot('sidebar-bulk-light');
    await bar.getByRole('button', { name: 'Delete' }).click();
    await expect
      .poll(async () => (await listAll({ trashed: true })).filter((id) => chosen.includes(id)).length, {
        timeout: 20_000,
      })
      .toBe(50);
    const live = await listAll();
    expect(live.filter((id) => chosen.includes(id))).toEqual([]);
    await expect.poll(async () => (await rowIds()).filter((id) => chosen.includes(id as string)).length).toBe(0);
    // Ctrl/Cmd+click adds one to the selection, Shift+click a range.
    listed = live;
    await scrollSidebarToTop();
    await row(listed[5] as string).click();
    await row(listed[7] as string).click({ modifiers: ['Control'] });
    await bar.getByText('2 selected').waitFor();
    await row(listed[9] as string).click({ modifiers: ['Shift'] });
    await bar.getByText('3 selected').waitFor();
    await page.keyboard.press('Escape');
    await expect.poll(() => bar.count()).toBe(0);
    await scrollSidebarToTop();
  });

  it('tags a conversation in the inspector and filters the sidebar by tag', async () => {
    await scrollSidebarToTop();
    await row(inspectedId).click();
    await page.waitForURL(`**/c/${inspectedId}`);
    const input = page.getByLabel('Add a tag');
    await input.fill('客户');
    await input.press('Enter');
    await input.fill('billing');
    await input.press('Enter');
    // The server keeps tags sorted.
    await expect
      .poll(async () => (await api.conversation.get.query({ id: inspectedId })).tags)
      .toEqual(['billing', '客户']);
    await page.getByLabel('Remove tag billing').click();
    await expect.poll(async () => (await api.conversation.get.query({ id: inspectedId })).tags).toEqual(['客户']);
    await page.getByLabel('Filter conversations by tag').fill('客户');
    await expect.poll(rowIds).toEqual([inspectedId]);
    await page.getByLabel('Filter conversations by tag').fill('');
    await expect.poll(async () => (await rowIds()).length).toBeGreaterThan(5);
  });

  it('edits a context in the tree and the API has it; adds and removes keys', async () => {
    const plan = page.locator('[data-action="plan"]');
    await plan.waitFor();
    expect(await page.locator('[data-action="search"]').count()).toBe(1);
    await shot('inspector-chinese-light');
    await plan.getByLabel('Value of step').fill('2');
    await plan.getByLabel('Value of step').press('Enter');
    await plan.getByLabel('Remove done').click();
    await plan.getByLabel('Add to plan', { exact: true }).click();
    await plan.getByLabel('New key').fill('备注');
    await plan.getByLabel('New value').fill('需要复核');
    await plan.getByLabel('New value').press('Enter');
    await plan.getByRole('button', { name: 'Save' }).click();
    await expect
      .poll(async () => (await api.context.get.query({ sessionId: inspectedId, action: 'plan' })).contextData)
      .toEqual({ step: 2, goal: '整理会议纪要', items: ['收集', '总结'], owner: { name: '李雷' }, 备注: '需要复核' });

    // Raw mode checks what is typed: an array is not a context.
    const search = page.locator('[data-action="search"]');
    await search.getByRole('button', { name: 'Raw JSON' }).click();
    await search.getByLabel('Raw JSON of search').fill('[1, 2]');
    await search.getByText('must be a JSON object').waitFor();
    expect(await search.getByRole('button', { name: 'Save' }).isDisabled()).toBe(true);
    await search.getByLabel('Raw JSON of search').fill('{"query": "迁移", "hits": 5}');
    await search.getByRole('button', { name: 'Save' }).click();
    await expect
      .poll(async () => (await api.context.get.query({ sessionId: inspectedId, action: 'search' })).contextData)
      .toEqual({ query: '迁移', hits: 5 });
  });

  it('shows a context conflict from a concurrent API write with both versions, and keeps the one chosen', async () => {
    const plan = page.locator('[data-action="plan"]');
    await plan.getByLabel('Value of step').fill('7');
    await plan.getByLabel('Value of step').press('Enter');
    const theirs = { step: 99, goal: 'agent wrote this' };
    await api.context.save.mutate({ sessionId: inspectedId, action: 'plan', contextData: theirs });
    await plan.getByRole('button', { name: 'Save' }).click();
    const conflict = page.getByRole('alertdialog', { name: 'Conflict in plan' });
    await conflict.waitFor();
    expect(JSON.parse((await conflict.locator('[data-side="theirs"]').textContent()) ?? '')).toEqual(theirs);
    expect(JSON.parse((await conflict.locator('[data-side="mine"]').textContent()) ?? '')).toMatchObject({ step: 7 });
    // Nothing was overwritten until the user chose.
    expect((await api.context.get.query({ sessionId: inspectedId, action: 'plan' })).contextData).toEqual(theirs);
    await shot('inspector-conflict-light');
    await conflict.getByRole('button', { name: 'Keep mine' }).click();
    await expect
      .poll(async () => (await api.context.get.query({ sessionId: inspectedId, action: 'plan' })).contextData.step)
      .toBe(7);

    // An agent's change appears without a reload.
    await api.context.setField.mutate({ sessionId: inspectedId, action: 'plan', path: ['step'], value: 8 });
    await expect.poll(() => plan.getByLabel('Value of step').inputValue(), { timeout: 15_000 }).toBe('8');
  });

  it('toggles notes one by one and in bulk, and note.summary follows', async () => {
    const summary = async () => (await api.note.summary.query({ sessionId: inspectedId })).selected;
    expect(await summary()).toBe(0);
    const box = page.locator('[data-note="要点一"]').getByRole('checkbox');
    await box.click();
    await expect.poll(() => box.isChecked()).toBe(true);
    await expect.poll(summary).toBe(1);
    await expect.poll(() => page.locator('.note-summary').getAttribute('data-summary-selected')).toBe('1');
    await page.getByRole('region', { name: 'Notes' }).getByRole('button', { name: 'Select all', exact: true }).click();
    await expect.poll(summary).toBe(3);
    await page.locator('[data-note="参考资料"]').scrollIntoViewIfNeeded();
    await expect.poll(() => page.locator('.note-summary').getAttribute('data-summary-selected')).toBe('3');
    await shot('inspector-notes-light');
    await page.getByRole('region', { name: 'Notes' }).getByRole('button', { name: 'Deselect all' }).click();
    await expect.poll(summary).toBe(0);

    await page.getByLabel('Note action').fill('plan');
    await page.getByLabel('Note name').fill('新笔记');
    await page.getByLabel('Note text').fill('由界面创建');
    await page.getByRole('button', { name: 'Add note' }).click();
    await page.locator('[data-note="新笔记"]').waitFor();
    expect((await api.note.getByName.query({ sessionId: inspectedId, name: '新笔记' })).context).toBe('由界面创建');
    await page.getByLabel('Delete note 新笔记').click();
    await expect.poll(() => page.locator('[data-note="新笔记"]').count()).toBe(0);
    await expect(api.note.getByName.query({ sessionId: inspectedId, name: '新笔记' })).rejects.toThrow();
  });

  it('exports the open conversation as JSON (lossless) and as Markdown', async () => {
    const actions = page.getByRole('toolbar', { name: 'Conversation actions' });
    const [json] = await Promise.all([
      page.waitForEvent('download'),
      actions.getByRole('button', { name: 'Export .json' }).click(),
    ]);
    expect(json.suggestedFilename()).toBe(`conversation-${inspectedId}.json`);
    const exported = JSON.parse(await readFile(await json.path(), 'utf8'));
    expect(exported.format).toBe('threadstore.conversations');
    expect(exported.version).toBe(1);
    expect(Date.parse(exported.exportedAt)).not.toBeNaN();
    const [bundle] = exported.conversations;
    expect(bundle.conversation).toEqual(await api.conversation.get.query({ id: inspectedId }));
    const messages = await api.message.list.query({ conversationId: inspectedId, limit: 100 });
    expect(bundle.messages).toEqual(messages.items);
    expect(bundle.contexts.map((context: { action: string }) => context.action).sort()).toEqual(['plan', 'search']);
    expect(bundle.notes).toHaveLength(3);

    const [markdown] = await Promise.all([
      page.waitForEvent('download'),
      actions.getByRole('button', { name: 'Export .md' }).click(),
    ]);
    const text = await readFile(await markdown.path(), 'utf8');
    expect(text).toContain(`# ${INSPECTED_TITLE}`);
    expect(text).toMatch(/^## user · /m);
    expect(text).toMatch(/^## assistant · /m);
    expect(text).toContain('请比较一下 **PostgreSQL** 和 SQLite');
    expect(text).toContain('**Tool call `get_weather`**');
    // Tool calls are fenced JSON (PostgreSQL's jsonb decides the key order).
    expect(text).toMatch(/```json\n\{\n[^`]*"toolCallId": "call-weather"[^`]*\n```/);

    const print = await browser.context.newPage();
    await print.goto(`${server.url}/c/${inspectedId}/print`);
    await print.locator('[data-print-ready]').waitFor();
    expect(await print.locator('.print-message').count()).toBe(messages.items.length);
    await print.close();
  });

  it('exports the selected conversations as one JSON file', async () => {
    const ids = [listed[5], listed[6], listed[7]] as string[];
    await row(ids[0] as string).click();
    await row(ids[2] as string).click({ modifiers: ['Shift'] });
    const bar = page.getByRole('toolbar', { name: 'Selected conversations' });
    const [file] = await Promise.all([
      page.waitForEvent('download'),
      bar.getByRole('button', { name: 'Export .json' }).click(),
    ]);
    const exported = JSON.parse(await readFile(await file.path(), 'utf8'));
    expect(exported.conversations.map((item: { conversation: { id: string } }) => item.conversation.id)).toEqual(ids);
    await bar.getByRole('button', { name: 'Clear selection' }).click();
    await expect.poll(() => bar.count()).toBe(0);
  });

  it('draws the messages-per-day chart from conversation.stats, with roles and tools', async () => {
    await page.getByRole('link', { name: 'Stats' }).click();
    await page.locator('.day-chart canvas').waitFor();
    const stats = await api.conversation.stats.query({
      from: new Date(Date.now() - 40 * 24 * 3600 * 1000).toISOString(),
      timeZone: 'Europe/Berlin',
    });
    expect(stats.messages).toBeGreaterThan(0);
    expect(Number((await page.locator('[data-stat="messages"]').textContent())?.replace(/\D/g, ''))).toBeGreaterThan(0);
    await page.getByRole('table', { name: 'Messages per role' }).getByText('assistant').waitFor();
    await page.getByRole('table', { name: 'Most used tools' }).getByText('get_weather').waitFor();
    await shot('stats-light');
  });

  it('settings: theme, density, time format, the masked token; screenshots in both themes', async () => {
    await page.getByRole('link', { name: 'Settings' }).click();
    const masked = await page.locator('[data-token-masked]').textContent();
    expect(masked).toContain('••••');
    await shot('settings-light');
    await page.getByLabel('Compact').check();
    expect(await page.evaluate(() => document.documentElement.dataset.density)).toBe('compact');
    await shot('settings-compact-light');
    await page.getByLabel('Comfortable').check();
    await page.getByLabel('24-hour (16:05)').check();
    await page.getByLabel('Dark').check();
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    await shot('settings-dark');
    await page.getByRole('link', { name: 'Stats' }).click();
    await page.locator('.day-chart canvas').waitFor();
    await shot('stats-dark');

    await page.goto(`${server.url}/c/${inspectedId}`);
    await page.locator('[data-action="plan"]').waitFor();
    await page.locator('[data-note="要点一"]').waitFor();
    await shot('inspector-chinese-dark');
    await page.locator('[data-note="参考资料"]').scrollIntoViewIfNeeded();
    await shot('inspector-notes-dark');
    await row(listed[4] as string).click({ button: 'right' });
    await page.getByRole('menu').waitFor();
    await shot('sidebar-menu-dark');
    await page.keyboard.press('Escape');
    await tab('Trash');
    await page.locator('[data-conversation-id]').first().waitFor();
    await shot('trash-dark');
    await tab('Chats');
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByLabel('Light').check();
    await page.goto(`${server.url}/c/${inspectedId}`);
    await page.locator('[data-action="plan"]').waitFor();
    await row(listed[4] as string).click({ button: 'right' });
    await page.getByRole('menu').waitFor();
    await shot('sidebar-menu-light');
    await page.keyboard.press('Escape');
  });

  it('new conversation from the toolbar, then sign out from the settings', async () => {
    await page.getByRole('button', { name: 'New' }).click();
    await page.getByLabel('Title of the new conversation').fill('新的对话');
    await page.getByRole('button', { name: 'Create' }).click();
    await page.waitForURL(/\/c\/[0-9a-f-]{36}$/);
    const id = page.url().split('/').at(-1) as string;
    expect((await api.conversation.get.query({ id })).title).toBe('新的对话');
    await row(id).waitFor();
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('button', { name: 'Sign out of this browser' }).click();
    await page.getByLabel('Access token').waitFor();
  });
});
