import { createRequire } from 'node:module';
import { createTestDatabase, type TestDatabase } from '@threadstore/shared/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stem } from './stem.ts';

const vocabulary = (createRequire(import.meta.url)('an-array-of-english-words') as string[]).filter((word) =>
  /^[a-z]+$/.test(word),
);

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.drop());

describe('stem', () => {
  it('is the Porter2 (Snowball English) stemmer', () => {
    const expected: Record<string, string> = {
      caresses: 'caress',
      ponies: 'poni',
      ties: 'tie',
      cats: 'cat',
      agreed: 'agre',
      plastered: 'plaster',
      motoring: 'motor',
      hopping: 'hop',
      falling: 'fall',
      filing: 'file',
      happy: 'happi',
      generalization: 'general',
      generously: 'generous',
      consolatory: 'consolatori',
      knightly: 'knight',
      kneeling: 'kneel',
      migrations: 'migrat',
      skies: 'sky',
      news: 'news',
      succeed: 'succeed',
      by: 'by',
      constructor: 'constructor',
    };
    for (const [word, result] of Object.entries(expected)) expect(stem(word), word).toBe(result);
  });

  it("gives PostgreSQL's english_stem result for every word of a 275,000-word English vocabulary", async () => {
    expect(vocabulary.length).toBeGreaterThan(270_000);
    const mismatches: string[] = [];
    const connection = db.orm.em.getConnection();
    const [{ version }] = await connection.execute<[{ version: number }]>(
      `select current_setting('server_version_num')::int as version`,
    );
    // PostgreSQL 18 moved to Snowball 3, which keeps the doubled consonant of a two-letter stem (added → add, not
    // ad). threadstore stems the same on every server, so documents written before stay valid; that rule alone differs.
    const snowball3Only = (ours: string, theirs: string) =>
      version >= 180_000 && ours.length === 2 && theirs === ours + ours.at(-1);
    for (let start = 0; start < vocabulary.length; start += 20_000) {
      const chunk = vocabulary.slice(start, start + 20_000);
      // english_stem answers nothing for its stop words, which the tokenizer drops before stemming anyway.
      const rows = await connection.execute<{ word: string; stem: string | null }[]>(
        `select word, (ts_lexize('english_stem', word))[1] as stem from jsonb_array_elements_text(?::jsonb) as word`,
        [JSON.stringify(chunk)],
      );
      for (const row of rows) {
        const ours = stem(row.word);
        if (row.stem !== null && ours !== row.stem && !snowball3Only(ours, row.stem)) {
          mismatches.push(`${row.word}: ${ours} ≠ ${row.stem}`);
        }
      }
    }
    expect(mismatches).toEqual([]);
  });
});
