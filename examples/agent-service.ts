// An agent service persisting one conversation round: the user's message, then the assistant's reply streamed in
// checkpoints as its tool calls run, then the history read back. The data is the persistence guide's real one.
//
//   THREADSTORE_URL=http://127.0.0.1:3000 THREADSTORE_TOKEN=tsk_... pnpm --filter @threadstore/examples agent
//
// With a service token, also set THREADSTORE_USER_ID to the user the service acts for.
import { createThreadstoreClient, type RouterOutputs, startAssistantStream } from '@threadstore/client';
import type { MessagePart } from '@threadstore/shared';

function configFromEnv() {
  const token = process.env.THREADSTORE_TOKEN;
  if (!token) throw new Error('Set THREADSTORE_TOKEN (the server prints one on its first start, after ?token=).');
  return {
    url: process.env.THREADSTORE_URL ?? 'http://127.0.0.1:3000',
    token,
    userId: process.env.THREADSTORE_USER_ID,
  };
}

const USER_MESSAGE =
  '做小红书账号的目的：我希望在小红书展示自己对汽车知识的理解，通过输出技术流内容建立起信任，最终成功找到愿意购车的客户';

/** `real_function_tools` from the persistence guide: what the Python agents stored in `function_tools`. */
const realFunctionTools = [
  {
    id: 1753081507585,
    tool: 'nova3_concierge',
    raw_output: {
      id: 1753081507585,
      data: [
        {
          id: 'concierge1',
          type: 'message',
          content: '收到！我们马上启动分析。请稍等片刻，我会带着第一手的洞察回来向您汇报。',
        },
      ],
      metadata: { raw_response: '收到！我们马上启动分析...', concierge_count: 1 },
      content_type: 'nova3_concierge',
    },
    tool_input: '',
  },
  {
    id: 1753081523634,
    tool: 'nova3_observe_think',
    raw_output: {
      id: 1753081523634,
      data: [
        { id: 'observe', type: 'observe', content: '这是任务的第一步，我收到了用户的初始需求...' },
        { id: 'think', type: 'think', content: '用户的目标非常明确：专家人设、吸引潜客...' },
      ],
      metadata: { raw_response: '<observe>...完整的observe和think内容...</observe>', observe_think_count: 2 },
      content_type: 'nova3_observe_think',
    },
    tool_input: '',
  },
  {
    id: 1753081576879,
    tool: 'nova3_profile',
    raw_output: {
      id: 1753081576879,
      data: [{ id: 'profile1', type: 'profile', content: '一线城市25-32岁的职业女性，将特斯拉视为自我奋斗的勋章...' }],
      metadata: {},
      content_type: 'nova3_profile',
    },
    tool_input: '',
  },
];

function describePart(part: MessagePart): string {
  if (part.type === 'text') return `text: ${'text' in part ? part.text : ''}`;
  if (!('toolCallId' in part)) return part.type;
  const output = part.output as (typeof realFunctionTools)[number]['raw_output'] | undefined;
  return `${part.type} #${part.toolCallId} [${part.state}] ${output?.data.map((item) => item.content).join(' / ') ?? ''}`;
}

function printHistory(messages: RouterOutputs['message']['list']['items']): void {
  for (const message of messages) {
    console.log(`\n${message.role} (${message.status}, ${message.createdAt}) ${message.id}`);
    for (const part of message.parts) console.log(`  - ${describePart(part)}`);
  }
}

async function main(): Promise<void> {
  const { url, token, userId } = configFromEnv();
  const client = createThreadstoreClient({ url, token });
  // A session is a conversation: writing to a new id creates it, the first user message gives its title.
  const conversationId = crypto.randomUUID();

  await client.message.append.mutate({
    conversationId,
    userId,
    role: 'user',
    parts: [{ type: 'text', text: USER_MESSAGE }],
  });

  const reply = await startAssistantStream(client, { conversationId, userId });
  const parts: MessagePart[] = [];
  try {
    for (const call of realFunctionTools) {
      const toolCallId = String(call.id);
      const type = `tool-${call.tool}`;
      // Checkpointed as it starts, so an interrupted reply still shows which tool was running.
      parts.push({ type, toolCallId, state: 'input-available', input: call.tool_input });
      await reply.checkpoint(parts);
      const output = call.raw_output;
      parts[parts.length - 1] = { type, toolCallId, state: 'output-available', input: call.tool_input, output };
      await reply.checkpoint(parts);
    }
  } catch (error) {
    await reply.finish('error', { errorText: String(error) });
    throw error;
  }
  await reply.finish('complete');

  const history = await client.message.list.query({ conversationId, userId });
  const conversation = await client.conversation.get.query({ id: conversationId, userId });
  console.log(`conversation ${conversationId}: "${conversation.title}", ${conversation.messageCount} messages`);
  printHistory(history.items);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
