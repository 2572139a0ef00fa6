import type { MessagePart } from '@threadstore/shared';
import { afterAll, describe, expect, it } from 'vitest';
import { startAssistantStream } from './stream.ts';
import { fastClient, recordingFetch, startLossyProxy, startTestServerFor, text } from './testing.ts';

const { server, token: aliceToken, client: alice } = await startTestServerFor('alice');
afterAll(() => server.close());

const observeCall = (state: 'input-available' | 'output-available'): MessagePart => ({
  type: 'tool-nova3_observe_think',
  toolCallId: '1753081523634',
  state,
  input: {},
  ...(state === 'output-available'
    ? { output: { data: [{ id: 'observe', type: 'observe', content: '这是任务的第一步…' }] } }
    : {}),
});

describe('startAssistantStream', () => {
  it('sends only the new or changed parts, each at its index', async () => {
    const recorder = recordingFetch();
    const client = fastClient({ url: server.url, token: aliceToken, fetch: recorder.fetch });
    const stream = await startAssistantStream(client, { conversationId: crypto.randomUUID() });
    const reply: MessagePart[] = [text('收到')];
    await stream.checkpoint(reply);
    reply[0] = text('收到！我们马上启动分析。');
    await stream.checkpoint(reply);
    reply.push(observeCall('input-available'));
    await stream.checkpoint(reply);
    reply[1] = observeCall('output-available');
    await stream.checkpoint(reply);
    await stream.checkpoint(reply);

    const checkpoints = recorder.requests
      .filter((request) => request.path === 'message.appendParts')
      .map((request) => request.inputs[0]);
    expect(checkpoints).toEqual([
      { id: stream.id, index: 0, parts: [text('收到')] },
      { id: stream.id, index: 0, parts: [text('收到！我们马上启动分析。')] },
      { id: stream.id, index: 1, parts: [observeCall('input-available')] },
      { id: stream.id, index: 1, parts: [observeCall('output-available')] },
    ]);
    expect(await stream.finish('complete')).toMatchObject({ id: stream.id, status: 'complete', parts: reply });
  });

  it('keeps what an interrupted stream checkpointed when it finishes aborted', async () => {
    const conversationId = crypto.randomUUID();
    const stream = await startAssistantStream(alice, { conversationId });
    const checkpointed = [text('收到！'), observeCall('input-available')];
    await stream.checkpoint(checkpointed);
    const aborted = await stream.finish('aborted', { errorText: 'the model connection dropped' });
    expect(aborted).toMatchObject({
      status: 'aborted',
      parts: checkpointed,
      metadata: { errorText: 'the model connection dropped' },
    });
    expect((await alice.message.list.query({ conversationId })).items).toEqual([aborted]);
  });

  it('lands a checkpoint once when its response is lost and it is retried', async () => {
    const proxy = await startLossyProxy(server.url);
    try {
      const client = fastClient({ url: proxy.url, token: aliceToken });
      const stream = await startAssistantStream(client, { conversationId: crypto.randomUUID() });
      await stream.checkpoint([text('收到')]);
      proxy.loseResponseTo('message.appendParts');
      await stream.checkpoint([text('收到'), observeCall('input-available')]);
      expect(proxy.calls.filter((path) => path === 'message.appendParts')).toHaveLength(3);
      expect((await alice.message.get.query({ id: stream.id })).parts).toEqual([
        text('收到'),
        observeCall('input-available'),
      ]);
    } finally {
      await proxy.close();
    }
  });

  it('writes for the user a service token names', async () => {
    const service = fastClient({ url: server.url, token: await server.serviceToken() });
    const conversationId = crypto.randomUUID();
    const stream = await startAssistantStream(service, { conversationId, userId: 'bob' });
    await stream.checkpoint([text('for bob')]);
    await stream.finish('complete');
    const bob = fastClient({ url: server.url, token: await server.userToken('bob') });
    expect((await bob.message.list.query({ conversationId })).items).toMatchObject([
      { id: stream.id, status: 'complete', content: 'for bob' },
    ]);
  });

  it('refuses a checkpoint with fewer parts than the last one, leaving the stored parts alone', async () => {
    const stream = await startAssistantStream(alice, { conversationId: crypto.randomUUID() });
    await stream.checkpoint([text('a'), text('b')]);
    await expect(stream.checkpoint([text('a')])).rejects.toThrow(/only be added or changed/);
    expect(await stream.finish('complete', { parts: [text('a')] })).toMatchObject({ parts: [text('a')] });
  });
});
