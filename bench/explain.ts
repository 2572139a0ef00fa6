// The query plans behind the benchmark's figures: each scenario's procedure runs once more through the API (the
// same services the server runs) on the benchmark's own database, with PostgreSQL's auto_explain sending the
// EXPLAIN (ANALYZE, BUFFERS) of every statement it executes back to this client.
import { createCaller, createInnerContext } from '@threadstore/api';
import { initOrm } from '@threadstore/shared/server';
import type pg from 'pg';

export type Caller = ReturnType<typeof createCaller>;

export interface StatementPlan {
  query: string;
  plan: string;
}

export interface ScenarioPlans {
  scenario: string;
  statements: StatementPlan[];
}

// auto_explain reports at NOTICE, which reaches the client; nested statements are the triggers' own. LOAD needs a
// superuser, as the embedded cluster's is.
const AUTO_EXPLAIN = `load 'auto_explain';
  set auto_explain.log_min_duration = 0; set auto_explain.log_analyze = on; set auto_explain.log_buffers = on;
  set auto_explain.log_nested_statements = on; set auto_explain.log_level = notice`;

/** auto_explain's text: `duration: … ms  plan:`, `Query Text: <sql, maybe several lines>`, then the plan. */
function parseNotice(text: string): StatementPlan | undefined {
  const header = /^duration: [\d.]+ ms\s+plan:\nQuery Text: /.exec(text);
  if (!header) return undefined;
  const lines = text.slice(header[0].length).split('\n');
  const planStart = lines.findIndex((line) => line.includes('(cost='));
  if (planStart < 0) return undefined;
  return {
    query: lines.slice(0, planStart).join(' ').replace(/\s+/g, ' ').trim(),
    plan: lines.slice(planStart).join('\n').trimEnd(),
  };
}

export async function explainScenarios(
  databaseUrl: string,
  userId: string,
  scenarios: Record<string, (caller: Caller) => Promise<unknown>>,
): Promise<ScenarioPlans[]> {
  const orm = await initOrm({ clientUrl: databaseUrl, poolMax: 1 });
  let heard: StatementPlan[] | undefined;
  const pool = (await orm.em.getConnection().getNativeClient()) as pg.Pool;
  pool.on('connect', (client) => {
    // Queued before any query of the caller that asked for this connection.
    void client.query(AUTO_EXPLAIN);
    client.on('notice', (notice) => {
      const plan = parseNotice(notice.message ?? '');
      if (plan) heard?.push(plan);
    });
  });
  const caller = createCaller(
    createInnerContext({ orm, identity: { tokenId: 'bench-explain', kind: 'user', userId } }),
  );
  const plans: ScenarioPlans[] = [];
  try {
    for (const [scenario, run] of Object.entries(scenarios)) {
      heard = undefined;
      await run(caller); // warm: the plans kept are of cached pages, as in the timed runs
      const statements: StatementPlan[] = [];
      heard = statements;
      await run(caller);
      plans.push({ scenario, statements });
    }
  } finally {
    await orm.close(true);
  }
  return plans;
}

/** Markdown: each scenario's statements with their plans, as bench/README.md keeps them. */
export function plansMarkdown(plans: ScenarioPlans[]): string {
  return plans
    .map(
      ({ scenario, statements }) =>
        `### ${scenario}\n\n${statements
          .map(
            ({ query, plan }) =>
              `\`${query.length > 300 ? `${query.slice(0, 297)}…` : query}\`\n\n\`\`\`\n${plan}\n\`\`\``,
          )
          .join('\n\n')}`,
    )
    .join('\n\n');
}
