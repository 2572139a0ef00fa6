import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  FIELD_GAP,
  findMatches,
  messageSearchDocument,
  messageSearchFields,
  parseSearchQuery,
  searchDocument,
  titleSearchDocument,
  tokenize,
  toTsquery,
} from './tokenizer.ts';

const lexemes = (text: string) => tokenize(text).map((token) => token.lexeme);
const words = (text: string) =>
  tokenize(text)
    .filter((token) => token.kind === 'word')
    .map((token) => token.lexeme);
const tsquery = (q: string) => toTsquery(parseSearchQuery(q));

/** What PostgreSQL's `@@` decides, done on tokens: every phrase of the query at its distances, no exclusion. */
function matches(text: string, q: string): boolean {
  const query = parseSearchQuery(q);
  if (query.include.length === 0) return false;
  const tokens = tokenize(text);
  const at = new Set(tokens.map((token) => `${token.position} ${token.lexeme}`));
  const found = (phrase: (typeof query.include)[number]) =>
    tokens.some((token) => phrase.items.every((item) => at.has(`${token.position + item.offset} ${item.lexeme}`)));
  return query.include.every(found) && !query.exclude.some(found);
}

describe('tokenize', () => {
  it('indexes Chinese as every character and every neighbouring pair, at consecutive positions', () => {
    expect(tokenize('汽车知识').map(({ lexeme, kind, position }) => [lexeme, kind, position])).toEqual([
      ['汽', 'char', 1],
      ['汽车', 'pair', 1],
      ['车', 'char', 2],
      ['车知', 'pair', 2],
      ['知', 'char', 3],
      ['知识', 'pair', 3],
      ['识', 'char', 4],
    ]);
    expect(tokenize('车')).toMatchObject([{ lexeme: '车', kind: 'char', position: 1, start: 0, end: 1 }]);
  });

  it('splits CJK runs at punctuation and spaces, full-width or not', () => {
    expect(lexemes('汽车，知识。')).toEqual(['汽', '汽车', '车', '知', '知识', '识']);
    expect(lexemes('汽车 知识')).not.toContain('车知');
    expect(lexemes('「東京」・大阪')).toEqual(['東', '東京', '京', '大', '大阪', '阪']);
  });

  it('treats Japanese kanji and kana as one run, folding half-width kana and keeping the long vowel mark', () => {
    expect(lexemes('東京に行く')).toEqual(['東', '東京', '京', '京に', 'に', 'に行', '行', '行く', 'く']);
    expect(lexemes('ｺｰﾋｰ')).toEqual(lexemes('コーヒー'));
    expect(lexemes('ｶﾞｲﾄﾞ')).toEqual(lexemes('ガイド'));
    expect(lexemes('データベース')).toContain('ベー');
  });

  it('treats Korean as runs of syllables between spaces', () => {
    expect(lexemes('안녕하세요 세계')).toEqual([
      '안',
      '안녕',
      '녕',
      '녕하',
      '하',
      '하세',
      '세',
      '세요',
      '요',
      '세',
      '세계',
      '계',
    ]);
  });

  it('lowercases and stems English words, drops stop words but keeps their positions', () => {
    expect(tokenize('The Databases were RUNNING quickly').map(({ lexeme, position }) => [lexeme, position])).toEqual([
      ['databas', 2],
      ['run', 4],
      ['quick', 5],
      ['run quick', 4],
    ]);
    expect(words('connection connected connecting connections')).toEqual(['connect', 'connect', 'connect', 'connect']);
  });

  it('pairs neighbouring words, across punctuation but not across stop words, CJK text or fields', () => {
    expect(
      tokenize('Connection pool, exhausted; the pool 汽车 pool')
        .filter((token) => token.kind === 'pair')
        .map(({ lexeme, position, start, end }) => [lexeme, position, start, end]),
    ).toEqual([
      ['connect pool', 1, 0, 15],
      ['pool exhaust', 2, 11, 26],
      ['汽车', 6, 37, 39],
    ]);
  });

  it('splits words at punctuation, underscores and apostrophes, and keeps numbers and mixed words whole', () => {
    expect(words("get_weather(city='Paris'), O'Reilly's e-mail v2.0 gpt4o 3.14")).toEqual([
      'get',
      'weather',
      'citi',
      'pari',
      'o',
      'reilli',
      'e',
      'mail',
      'v2',
      '0',
      'gpt4o',
      '3',
      '14',
    ]);
  });

  it('switches between CJK and other scripts inside one run of letters', () => {
    expect(tokenize('用GPT4写代码').map(({ lexeme, position }) => [lexeme, position])).toEqual([
      ['用', 1],
      ['gpt4', 2],
      ['写', 3],
      ['写代', 3],
      ['代', 4],
      ['代码', 4],
      ['码', 5],
    ]);
  });

  it('folds full-width Latin and digits, composes accents, and keeps other scripts as words', () => {
    expect(words('ＡＰＩ　１２３')).toEqual(['api', '123']);
    expect(words('cafe\u0301 café Привет мир')).toEqual(['café', 'café', 'привет', 'мир']);
  });

  it('makes each emoji a token of its own and drops joiners, skin tones and variation selectors', () => {
    expect(tokenize('ok👍🏽 ❤️ 👨‍👩‍👧!').map(({ lexeme, kind }) => [lexeme, kind])).toEqual([
      ['ok', 'word'],
      ['👍', 'symbol'],
      ['❤', 'symbol'],
      ['👨', 'symbol'],
      ['👩', 'symbol'],
      ['👧', 'symbol'],
    ]);
  });

  it('reports where each token is in the source, in UTF-16 code units', () => {
    const text = '😀 Hello，世界';
    for (const token of tokenize(text)) {
      expect(text.slice(token.start, token.end).toLowerCase().normalize('NFKC')).toContain(
        token.kind === 'word' ? 'hello' : token.lexeme,
      );
    }
  });

  it('yields nothing for punctuation, whitespace and stop words only', () => {
    expect(tokenize('  ...!?，。、…— \n\t')).toEqual([]);
    expect(tokenize('the of and to')).toEqual([]);
    expect(tokenize('')).toEqual([]);
  });
});

describe('documents', () => {
  it('indexes words that are also names of JavaScript object members', () => {
    // "constructor" once made the stemmer hand back Object's constructor and every write of such a text fail.
    expect(words('the constructor calls valueOf and toString')).toEqual(['constructor', 'call', 'valueof', 'tostr']);
    expect(messageSearchDocument({ content: 'a constructor', parts: [] })).toContain("'constructor'");
  });

  it('writes a tsvector literal with weights, a gap before each field, and quoted lexemes', () => {
    expect(
      searchDocument(
        [
          { kind: 'text', weight: 'A', text: 'cars 汽车' },
          { kind: 'tool', weight: 'C', text: "it's" },
        ],
        [{ lexeme: "tool:o'k\\", weight: 'B' }],
      ),
    ).toBe(
      `'tool:o''k\\\\':1B 'car':${FIELD_GAP + 1}A '汽':${FIELD_GAP + 2}A '汽车':${FIELD_GAP + 2}A '车':${FIELD_GAP + 3}A`,
    );
  });

  it('makes no lexeme of any text that needs escaping, so documents write them between quotes as they are', () => {
    // Full-width forms fold to ASCII quotes and backslashes under NFKC; apostrophes sit inside English words.
    const tricky = fc.constantFrom("'", '\\', '＇', '＼', '´', 'ʼ', '"', "don't", 'a\\b', '汽车', 'é', '\u0301', ' ');
    fc.assert(
      fc.property(
        fc.array(fc.oneof(tricky, fc.string({ unit: 'binary', maxLength: 8 })), { maxLength: 30 }),
        (pieces) => {
          for (const { lexeme } of tokenize(pieces.join(''))) {
            expect(lexeme).not.toMatch(/['\\]/);
          }
        },
      ),
      { numRuns: 3000 },
    );
    expect(searchDocument([{ kind: 'text', weight: 'A', text: "don't ＇x＼" }])).toBe(`'x':${FIELD_GAP + 3}A`);
  });

  it('indexes text, reasoning, tool names, inputs, outputs and errors, and sources; tools become filter lexemes', () => {
    const message = {
      content: '帮我查天气',
      parts: [
        { type: 'text', text: '帮我查天气' },
        { type: 'reasoning', text: 'user wants weather' },
        {
          type: 'tool-get_weather',
          toolCallId: 'a',
          state: 'output-available',
          input: { city: '北京' },
          output: { temp: 21 },
        },
        {
          type: 'dynamic-tool',
          toolName: 'search',
          toolCallId: 'b',
          state: 'output-error',
          input: {},
          errorText: 'quota',
        },
        { type: 'source-url', sourceId: 's', url: 'https://example.com/doc', title: 'Docs' },
        null,
      ],
    } as unknown as Parameters<typeof messageSearchFields>[0];
    expect(messageSearchFields(message).map(({ kind, weight, text }) => [kind, weight, text])).toEqual([
      ['text', 'A', '帮我查天气'],
      ['reasoning', 'C', 'user wants weather'],
      ['tool', 'B', 'get_weather'],
      ['tool', 'C', 'city\n北京'],
      ['tool', 'C', 'temp\n21'],
      ['tool', 'B', 'search'],
      ['tool', 'C', 'quota'],
      ['source', 'C', 'Docs\nhttps://example.com/doc'],
    ]);
    const document = messageSearchDocument(message);
    expect(document).toContain(`'tool:get_weather':1B`);
    expect(document).toContain(`'tool:search':1B`);
    expect(document).not.toMatch(/\d(D|\s|$)/);
  });

  it('indexes text parts too when the writer stored a content of its own', () => {
    const fields = messageSearchFields({ content: 'summary', parts: [{ type: 'text', text: 'full text' }] });
    expect(fields.map((field) => field.text)).toEqual(['summary', 'full text']);
  });

  it('gives titles weight D only', () => {
    const at = (offset: number) => `${FIELD_GAP + offset}D`;
    expect(titleSearchDocument('汽车 Cars')).toBe(`'汽':${at(1)} '汽车':${at(1)} '车':${at(2)} 'car':${at(3)}`);
    expect(titleSearchDocument(null)).toBe('');
  });

  it('stays within PostgreSQL limits for huge texts: positions clamped, at most 256 per lexeme, under 1 MiB', () => {
    const huge = Array.from({ length: 400_000 }, (_, index) =>
      String.fromCharCode(0x4e00 + ((index * 7919) % 20_000)),
    ).join('');
    const document = searchDocument([{ kind: 'text', weight: 'A', text: `${huge} ${'word '.repeat(5000)}` }]);
    expect(new TextEncoder().encode(document).length).toBeLessThan(4_000_000);
    const positions = Array.from(document.matchAll(/[:,](\d+)A/g), (match) => Number(match[1]));
    expect(positions.reduce((max, position) => Math.max(max, position), 0)).toBe(16_383);
    const word = /'word':([^ ]*)/.exec(searchDocument([{ kind: 'text', weight: 'A', text: 'word '.repeat(1000) }]));
    expect(word?.[1]?.split(',').length).toBe(256);
  });

  it('leaves out a lexeme that fits the size budget but its position does not (PostgreSQL refuses `x:`)', () => {
    // Words of 7 characters with digits (never stemmed), kept apart by a stop word so no pairs form: each new one
    // takes 27 bytes of the budget, each repeat 2. 33,331 words and 19 repeats fill it to 25 bytes short of its
    // end, exactly what one more new word takes without its position.
    const word = (index: number) => `x${String(index).padStart(6, '0')}`;
    const words = [...Array.from({ length: 19 }, () => word(0)), ...Array.from({ length: 33_332 }, (_, i) => word(i))];
    const document = searchDocument([{ kind: 'text', weight: 'A', text: words.join(' the ') }]);
    expect(document).toContain(`'${word(33_330)}':`);
    expect(document).not.toContain(`'${word(33_331)}'`);
    expect(document).not.toMatch(/':(?: |$)/);
  });
});

describe('queries', () => {
  it('turns CJK text into a phrase of overlapping pairs, or the single character', () => {
    expect(tsquery('汽车')).toBe(`'汽车'`);
    expect(tsquery('车')).toBe(`'车'`);
    expect(tsquery('汽车知识')).toBe(`('汽车' <1> '车知' <1> '知识')`);
    expect(tsquery('東京に')).toBe(`('東京' <1> '京に')`);
  });

  it('ANDs words, keeps distances across stop words in phrases, and excludes with a minus', () => {
    expect(tsquery('Running databases')).toBe(`'run' & 'databas'`);
    expect(tsquery('"car in the garage" -postgres')).toBe(`('car' <3> 'garag') & !'postgr'`);
    expect(tsquery('"database migration"')).toBe(`'databas migrat'`);
    expect(tsquery('"Database migration pool" e-mail')).toBe(`('databas migrat' <1> 'migrat pool') & 'e mail'`);
    expect(tsquery('"big red car in a garage"')).toBe(`('big red' <1> 'red car' <4> 'garag')`);
    expect(tsquery('“汽车 价格” -"二手 车"')).toBe(`('汽车' <2> '价格') & !('二手' <2> '车')`);
    expect(tsquery('汽车abc')).toBe(`('汽车' <2> 'abc')`);
    expect(tsquery('price 价格 price')).toBe(`'price' & '价格'`);
  });

  it('is null when nothing is left to look for', () => {
    for (const q of ['', '   ', '!!!', 'the of', '-foo', '""', '- -']) expect(tsquery(q), q).toBeNull();
  });

  it('quotes every lexeme, so no text is syntax', () => {
    expect(tsquery(`it's & | ! <-> :* \\ ( ) '`)).toBeNull();
    expect(tsquery(`x') | ('y`)).toBe(`'x' & 'y'`);
    expect(toTsquery(parseSearchQuery('a1'), ["tool:it's"])).toBe(`'a1' & 'tool:it''s'`);
  });

  it('reads at most 500 characters', () => {
    const query = parseSearchQuery(`${'x '.repeat(250)}needle`);
    expect(query.include.flatMap((phrase) => phrase.items.map((item) => item.lexeme))).not.toContain('needl');
  });

  it('finds a CJK query of one character or more exactly where the text contains it, as ILIKE would', () => {
    const cjk = fc.constantFrom(...'汽车知识价格东京に行コー안녕하');
    const other = fc.constantFrom(' ', '，', 'a', 'car', '。', '😀');
    fc.assert(
      fc.property(
        fc.array(fc.oneof(cjk, cjk, cjk, other), { minLength: 1, maxLength: 40 }),
        fc.array(cjk, { minLength: 1, maxLength: 4 }),
        (pieces, query) => {
          const text = pieces.join('');
          const q = query.join('');
          expect(matches(text, q)).toBe(text.includes(q));
        },
      ),
      { numRuns: 2000 },
    );
    const text = '我想了解汽车知识';
    for (const q of ['车', '汽车', '汽车知', '解汽车知识', '我想']) expect(matches(text, q), q).toBe(true);
    for (const q of ['车汽', '知车', '识我', '火']) expect(matches(text, q), q).toBe(false);
  });
});

describe('findMatches', () => {
  it('gives the ranges of whole phrases only, merged', () => {
    const text = '二手车的价格，汽车 价格，汽车价格';
    const ranges = findMatches(text, parseSearchQuery('汽车价格'));
    expect(ranges.map((range) => text.slice(range.start, range.end))).toEqual(['汽车价格']);
    const words = 'Running runs; the runner ran';
    expect(findMatches(words, parseSearchQuery('run')).map((range) => words.slice(range.start, range.end))).toEqual([
      'Running',
      'runs',
    ]);
    expect(findMatches('abc', parseSearchQuery('-abc'))).toEqual([]);
  });
});
