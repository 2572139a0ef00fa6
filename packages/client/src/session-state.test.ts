import { afterAll, describe, expect, it } from 'vitest';
import { loadSessionState, saveSessionState } from './session-state.ts';
import { fastClient, recordingFetch, startTestServerFor } from './testing.ts';

const { server, token: aliceToken, client: alice } = await startTestServerFor('alice');
afterAll(() => server.close());

describe('session state', () => {
  it('saves a session as the seed does, and loads it back', async () => {
    const sessionId = crypto.randomUUID();
    const recorder = recordingFetch();
    const client = fastClient({ url: server.url, token: aliceToken, fetch: recorder.fetch });
    const saved = await saveSessionState(client, {
      sessionId,
      conversationHistory: { messages: [{ role: 'user', content: '做小红书账号的目的' }] },
      tactics: { step: 'observe' },
      notes: [
        { action: 'nova3_profile', name: 'profile1', context: '一线城市25-32岁的职业女性' },
        { action: 'nova3_observe_think', name: 'think', context: '用户的目标非常明确', selectStatus: 1 },
      ],
    });
    expect(recorder.requests).toHaveLength(1);
    expect(saved.contexts.map((context) => context.action)).toEqual(['conversation_history', 'tactics']);
    expect(saved.notes.map((note) => [note.name, note.selectStatus])).toEqual([
      ['profile1', 0],
      ['think', 1],
    ]);

    const loaded = await loadSessionState(alice, { sessionId });
    expect(loaded.conversationHistory).toEqual({ messages: [{ role: 'user', content: '做小红书账号的目的' }] });
    expect(loaded.tactics).toEqual({ step: 'observe' });
    // The notes were created concurrently, so their creation order is not the input's.
    expect(loaded.notes.map((note) => note.name).sort()).toEqual(['profile1', 'think']);
  });

  it('brings existing notes up to date when saved again', async () => {
    const sessionId = crypto.randomUUID();
    await saveSessionState(alice, {
      sessionId,
      tactics: { step: 1 },
      notes: [{ action: 'a', name: 'n1', context: 'first', selectStatus: 1 }],
    });
    const again = await saveSessionState(alice, {
      sessionId,
      tactics: { step: 2 },
      notes: [
        { action: 'a', name: 'n1', context: 'second', selectStatus: 0 },
        { action: 'a', name: 'n2', context: 'new' },
      ],
    });
    expect(again.contexts[0]).toMatchObject({ action: 'tactics', contextData: { step: 2 }, version: 2 });
    expect(again.notes.map(({ name, context, selectStatus }) => ({ name, context, selectStatus }))).toEqual([
      { name: 'n1', context: 'second', selectStatus: 0 },
      { name: 'n2', context: 'new', selectStatus: 0 },
    ]);
    const loaded = await loadSessionState(alice, { sessionId });
    expect(loaded.conversationHistory).toBeUndefined();
    expect(loaded.contexts).toHaveLength(1);
    expect(loaded.notes.map((note) => [note.name, note.context])).toEqual([
      ['n1', 'second'],
      ['n2', 'new'],
    ]);
  });

  it('loads a session with nothing in it, and acts for the user a service token names', async () => {
    expect(await loadSessionState(alice, { sessionId: crypto.randomUUID() })).toEqual({
      conversationHistory: undefined,
      tactics: undefined,
      contexts: [],
      notes: [],
    });
    const service = fastClient({ url: server.url, token: await server.serviceToken() });
    const sessionId = crypto.randomUUID();
    await saveSessionState(service, { userId: 'alice', sessionId, tactics: { by: 'service' } });
    expect((await loadSessionState(alice, { sessionId })).tactics).toEqual({ by: 'service' });
  });
});
