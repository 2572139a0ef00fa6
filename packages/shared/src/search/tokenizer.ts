// The one tokenizer behind search: it writes every stored search document (a tsvector literal) and every query
// (a tsquery literal), so the index and the query cannot disagree. PostgreSQL only stores and matches the
// lexemes; it never parses text itself, which is why no text search configuration or extension is needed.
//
// English (and other space-separated scripts): words, lowercased, NFKC-normalised, English stop words dropped,
// plain a-z words reduced by the Porter2 (Snowball English) stemmer. Chinese, Japanese and Korean (Han, Kana,
// Hangul): every character and every pair of neighbouring characters, at consecutive positions, so any substring
// is a phrase of overlapping pairs (a single character is its own lexeme). Neighbouring words are paired too
// ("connect pool"), so a phrase is looked up by its pairs instead of checked row by row. Emoji are one lexeme each.

import {
  deriveContent,
  isToolCallPart,
  type MessagePart,
  type ReasoningPart,
  type ToolResultPart,
  toolNameOf,
} from '../schemas/message.ts';
import { SEARCH_QUERY_MAX_LENGTH, type SearchFieldKind } from '../schemas/search.ts';
import { stem } from './stem.ts';

/** tsvector weights: A counts most in ranking. The conversation title alone is D, so it can be swapped out. */
export type SearchWeight = 'A' | 'B' | 'C' | 'D';

/**
 * `char`: one CJK character; `pair`: two neighbouring CJK characters or two neighbouring words (joined by a
 * space, which no other lexeme has), at the position of the first.
 */
export type SearchTokenKind = 'word' | 'char' | 'pair' | 'symbol';

export interface SearchToken {
  lexeme: string;
  kind: SearchTokenKind;
  position: number;
  /** Offsets of the token in the source text, in UTF-16 code units. */
  start: number;
  end: number;
}

// PostgreSQL clamps positions to 16383 and keeps at most 256 positions per lexeme.
const MAX_POSITION = 16_383;
const MAX_POSITIONS_PER_LEXEME = 256;
// A tsvector's lexemes and positions must fit in 1 MiB; the conversation title is appended in SQL, so stay well under.
const DOCUMENT_BUDGET_BYTES = 900_000;
// Longer "words" are encoded blobs (base64, minified code): noise in the index.
const MAX_WORD_LENGTH = 100;
const MAX_FIELD_LENGTH = 1_000_000;
/** Positions left empty before each field, so a phrase never spans two fields (or the body and the title). */
export const FIELD_GAP = 8;

// PostgreSQL's English stop words (the Snowball list), so `english` users find what they expect.
const STOP_WORDS = new Set(
  `i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she her hers herself it
  its itself they them their theirs themselves what which who whom this that these those am is are was were be been
  being have has had having do does did doing a an the and but if or because as until while of at by for with about
  against between into through during before after above below to from up down in out on off over under again further
  then once here there when where why how all any both each few more most other some such no nor not only own same so
  than too very s t can will just don should now`.split(/\s+/),
);

const CJK_SCRIPT = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\u30fc]/u;
const LETTER = /[\p{L}\p{Nl}]/u;
const WORD_CHARACTER = /[\p{L}\p{N}]/u;
const MARK = /\p{M}/u;
const EMOJI = /\p{Extended_Pictographic}/u;

type CharacterClass = 'word' | 'cjk' | 'symbol' | 'mark' | 'space';

/** The common CJK blocks, which need no normalisation and no Unicode property lookups. */
function isPlainCjk(code: number): boolean {
  return (
    (code >= 0x4e00 && code <= 0x9fff) ||
    (code >= 0x3400 && code <= 0x4dbf) ||
    (code >= 0x3041 && code <= 0x3096) ||
    (code >= 0x30a1 && code <= 0x30fa) ||
    code === 0x30fc ||
    (code >= 0xac00 && code <= 0xd7a3)
  );
}

function isMark(code: number): boolean {
  return code >= 0x300 && !isPlainCjk(code) && MARK.test(String.fromCodePoint(code));
}

function classify(character: string): CharacterClass {
  const code = character.codePointAt(0) as number;
  if (code < 0x80) {
    return (code >= 0x61 && code <= 0x7a) || (code >= 0x30 && code <= 0x39) ? 'word' : 'space';
  }
  if (isPlainCjk(code)) return 'cjk';
  // Variation selectors only choose a glyph.
  if ((code >= 0xfe00 && code <= 0xfe0f) || (code >= 0xe0100 && code <= 0xe01ef)) return 'space';
  if (EMOJI.test(character)) return 'symbol';
  if (CJK_SCRIPT.test(character) && LETTER.test(character)) return 'cjk';
  if (WORD_CHARACTER.test(character)) return 'word';
  if (MARK.test(character)) return 'mark';
  return 'space';
}

type Visit = (lexeme: string, kind: SearchTokenKind, position: number, start: number, end: number) => void;

/**
 * Walks the tokens of `text`, the first at `firstPosition`; returns the position after the last one. Every word,
 * dropped stop words included, takes one position, and a CJK run of n characters takes n, so distances between
 * tokens in a query are the distances between them in a document.
 */
function scan(text: string, firstPosition: number, visit: Visit): number {
  let position = firstPosition;
  let word = '';
  let wordStart = 0;
  let wordEnd = 0;
  let wordHasMarks = false;
  const run: string[] = [];
  const runStarts: number[] = [];
  const runEnds: number[] = [];

  // The word just before, while it is still a neighbour of the next one.
  let previous: { lexeme: string; position: number; start: number } | undefined;

  const flushWord = () => {
    if (word === '') return;
    const normalized = wordHasMarks ? word.normalize('NFC') : word;
    if (normalized.length <= MAX_WORD_LENGTH && !STOP_WORDS.has(normalized)) {
      const lexeme = isPlainAsciiWord(normalized) ? stem(normalized) : normalized;
      visit(lexeme, 'word', position, wordStart, wordEnd);
      if (previous?.position === position - 1) {
        visit(`${previous.lexeme} ${lexeme}`, 'pair', previous.position, previous.start, wordEnd);
      }
      previous = { lexeme, position, start: wordStart };
    }
    position += 1;
    word = '';
    wordHasMarks = false;
  };
  const flushRun = () => {
    const length = run.length;
    for (let index = 0; index < length; index++) {
      const character = run[index] as string;
      visit(character, 'char', position + index, runStarts[index] as number, runEnds[index] as number);
      if (index + 1 < length) {
        visit(
          character + run[index + 1],
          'pair',
          position + index,
          runStarts[index] as number,
          runEnds[index + 1] as number,
        );
      }
    }
    position += length;
    run.length = 0;
    runStarts.length = 0;
    runEnds.length = 0;
  };
  const take = (character: string, kind: CharacterClass, start: number, end: number) => {
    switch (kind) {
      case 'word':
        if (run.length > 0) flushRun();
        if (word === '') wordStart = start;
        word += character;
        wordEnd = end;
        return;
      case 'cjk':
        flushWord();
        run.push(character);
        runStarts.push(start);
        runEnds.push(end);
        return;
      case 'mark':
        // A mark that did not compose with its base stays with it: a word's accent, a kana's voicing mark.
        if (word !== '') {
          word += character;
          wordHasMarks = true;
          wordEnd = end;
        } else if (run.length > 0) {
          const last = run.length - 1;
          run[last] = `${run[last]}${character}`.normalize('NFC');
          runEnds[last] = end;
        }
        return;
      case 'symbol':
        flushWord();
        flushRun();
        visit(character, 'symbol', position, start, end);
        position += 1;
        return;
      case 'space':
        flushWord();
        flushRun();
        return;
    }
  };

  const length = Math.min(text.length, MAX_FIELD_LENGTH);
  let index = 0;
  while (index < length) {
    const start = index;
    const code = text.codePointAt(index) as number;
    index += code > 0xffff ? 2 : 1;
    // A character with its combining marks is normalised as one unit, so "e" + U+0301 becomes "é".
    let marked = false;
    while (index < length) {
      const next = text.codePointAt(index) as number;
      if (!isMark(next)) break;
      marked = true;
      index += next > 0xffff ? 2 : 1;
    }
    if (!marked && code < 0x80) {
      const character = String.fromCharCode(code >= 0x41 && code <= 0x5a ? code + 32 : code);
      take(character, classify(character), start, index);
    } else if (!marked && isPlainCjk(code)) {
      take(text[start] as string, 'cjk', start, index);
    } else {
      // NFKC folds full-width Latin, half-width kana and compatibility ideographs into their usual forms.
      for (const character of text.slice(start, index).normalize('NFKC').toLowerCase()) {
        take(character, classify(character), start, index);
      }
    }
  }
  flushWord();
  flushRun();
  return position;
}

/** The tokens of `text`, positions counted from `firstPosition`. */
export function tokenize(text: string, firstPosition = 1): SearchToken[] {
  const tokens: SearchToken[] = [];
  scan(text, firstPosition, (lexeme, kind, position, start, end) => {
    tokens.push({ lexeme, kind, position, start, end });
  });
  return tokens;
}

// ---------------------------------------------------------------------------------------------------------------
// Documents

/** One searchable text of a message (or the conversation's title), with its ranking weight. */
export interface SearchField {
  kind: SearchFieldKind;
  weight: SearchWeight;
  text: string;
}

/** Lexemes that no text can produce (text never yields a colon), for filters answered by the same index. */
export const toolLexeme = (toolName: string) => `tool:${toolName}`;

/** A lexeme as it is written between the quotes of a tsvector / tsquery literal. */
function escapeLexeme(lexeme: string): string {
  // Almost no lexeme holds either character: skip the two scans that would replace them.
  if (!lexeme.includes("'") && !lexeme.includes('\\')) return lexeme;
  return lexeme.replaceAll('\\', '\\\\').replaceAll("'", "''");
}

/** A lexeme as a quoted tsvector / tsquery literal. */
const quote = (lexeme: string) => `'${escapeLexeme(lexeme)}'`;

/**
 * The tsvector literal of some fields (cast it with `::tsvector`). Each field starts FIELD_GAP positions after
 * the previous one. A huge text is indexed up to PostgreSQL's size limit for one tsvector; the rest of it is not.
 */
export function searchDocument(
  fields: readonly SearchField[],
  extraLexemes: readonly { lexeme: string; weight: SearchWeight }[] = [],
): string {
  // Each lexeme's positions as the literal writes them ("3A,17C"), built as they come.
  const entries = new Map<string, { positions: string; count: number }>();
  let bytes = 0;
  const add = (lexeme: string, position: number, weight: SearchWeight) => {
    let entry = entries.get(lexeme);
    if (!entry) {
      // Lexeme (at most 3 bytes per UTF-16 unit), alignment, position count and its first position: an upper bound
      // of PostgreSQL's own. A lexeme with no room left for a position stays out: PostgreSQL refuses `'a':`.
      const cost = lexeme.length * 3 + 4;
      if (bytes + cost + 2 > DOCUMENT_BUDGET_BYTES) return;
      bytes += cost;
      entry = { positions: '', count: 0 };
      entries.set(lexeme, entry);
    }
    if (entry.count >= MAX_POSITIONS_PER_LEXEME || bytes + 2 > DOCUMENT_BUDGET_BYTES) return;
    bytes += 2;
    const at = `${Math.min(position, MAX_POSITION)}${weight}`;
    entry.positions = entry.count === 0 ? at : `${entry.positions},${at}`;
    entry.count += 1;
  };
  // The map's keys are written between quotes as they are. The extra lexemes are stored escaped; no lexeme of a
  // text needs it, since the scan takes every ASCII character but a letter or a digit for a space (checked over
  // random text in the tests).
  for (const { lexeme, weight } of extraLexemes) add(escapeLexeme(lexeme), 1, weight);
  let position = 1;
  for (const field of fields) {
    position = scan(field.text, position + FIELD_GAP, (lexeme, _kind, at) => add(lexeme, at, field.weight));
  }
  // Joined, not appended with `+=`: the literal comes out as one flat string, where appending builds a rope of
  // pieces that the JSON encoding of a whole batch (an import) walks slowly.
  const pieces: string[] = [];
  for (const [lexeme, { positions }] of entries) pieces.push(`'${lexeme}':${positions}`);
  return pieces.join(' ');
}

/** Text of any JSON value (a tool's input or output): keys and scalar values, one per line. */
function jsonText(value: unknown, out: string[] = []): string[] {
  if (value === null || value === undefined) return out;
  if (typeof value === 'string') out.push(value);
  else if (typeof value === 'number' || typeof value === 'boolean') out.push(String(value));
  else if (Array.isArray(value)) for (const item of value) jsonText(item, out);
  else if (typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      out.push(key);
      jsonText(item, out);
    }
  }
  return out;
}

const stringOrEmpty = (value: unknown) => (typeof value === 'string' ? value : '');

/** Rows written before parts were validated (imports, the migration's backfill) may hold anything. */
const wellFormed = (parts: readonly MessagePart[]) =>
  parts.filter((part) => typeof (part as { type?: unknown } | null)?.type === 'string');

/** The searchable texts of a message: its text, reasoning, tool names, inputs and outputs, sources and files. */
export function messageSearchFields(message: { content: string | null; parts: readonly MessagePart[] }): SearchField[] {
  const fields: SearchField[] = [];
  const add = (kind: SearchFieldKind, weight: SearchWeight, text: string) => {
    if (text.trim() !== '') fields.push({ kind, weight, text });
  };
  const parts = wellFormed(message.parts);
  const content = message.content ?? '';
  add('text', 'A', content);
  // A writer may store its own `content`; the text parts are searchable all the same.
  const derived = deriveContent(parts);
  if (derived !== content) add('text', 'A', derived);
  for (const part of parts) {
    const loose = part as Record<string, unknown>;
    if (part.type === 'reasoning') {
      add('reasoning', 'C', stringOrEmpty((part as ReasoningPart).text));
    } else if (isToolCallPart(part) || part.type === 'tool-result') {
      add('tool', 'B', toolNameOf(part as ToolResultPart));
      add('tool', 'C', jsonText(loose.input).join('\n'));
      add('tool', 'C', jsonText(loose.output).join('\n'));
      add('tool', 'C', stringOrEmpty(loose.errorText));
    } else if (part.type === 'source-url' || part.type === 'source-document' || part.type === 'file') {
      add('source', 'C', [loose.title, loose.url, loose.filename].map(stringOrEmpty).filter(Boolean).join('\n'));
    }
  }
  return fields;
}

/** Names of the tools a message calls, for the `tool` filter. */
export function messageToolNames(parts: readonly MessagePart[]): string[] {
  const names = new Set<string>();
  for (const part of wellFormed(parts)) {
    if (isToolCallPart(part) || part.type === 'tool-result') {
      const name = toolNameOf(part as ToolResultPart);
      if (name !== '') names.add(name);
    }
  }
  return [...names];
}

/**
 * A message's search document: what it says, weights A-C. Its conversation's title is not in it (titles are
 * searched as conversations, weight D in their own document), so a rename rewrites no message.
 */
export function messageSearchDocument(message: { content: string | null; parts: readonly MessagePart[] }): string {
  const tools = messageToolNames(message.parts).map((name) => ({ lexeme: toolLexeme(name), weight: 'B' as const }));
  return searchDocument(messageSearchFields(message), tools);
}

/** The search document of a conversation title: weight D, '' when there is no title. */
export function titleSearchDocument(title: string | null): string {
  return title ? searchDocument([{ kind: 'title', weight: 'D', text: title }]) : '';
}

// ---------------------------------------------------------------------------------------------------------------
// Queries

/** A run of lexemes that must appear at these distances: one query word, a CJK substring or a quoted phrase. */
export interface QueryPhrase {
  items: { lexeme: string; offset: number }[];
}

export interface SearchQuery {
  include: QueryPhrase[];
  exclude: QueryPhrase[];
}

const QUOTES: Record<string, string> = { '"': '"', '“': '”' };

/**
 * The lexemes of one term or phrase as a query needs them: pairs stand for the words and characters they cover,
 * so a two-word phrase or a two-character CJK query is one lexeme, looked up exactly in the index.
 */
function phraseOf(text: string): QueryPhrase | undefined {
  const all = tokenize(text);
  const covered = new Set(
    all.filter((token) => token.kind === 'pair').flatMap((pair) => [pair.position, pair.position + 1]),
  );
  const tokens = all.filter((token) => token.kind === 'pair' || !covered.has(token.position));
  const first = tokens[0];
  if (!first) return undefined;
  return { items: tokens.map((token) => ({ lexeme: token.lexeme, offset: token.position - first.position })) };
}

/**
 * Parses what a user typed: words and CJK text (all must match), "quoted phrases" (“full-width quotes” too) and
 * -exclusions. Nothing in it is syntax for PostgreSQL: lexemes are quoted, so any text is only ever a query.
 */
export function parseSearchQuery(input: string): SearchQuery {
  const text = input.slice(0, SEARCH_QUERY_MAX_LENGTH);
  const include: QueryPhrase[] = [];
  const exclude: QueryPhrase[] = [];
  const seen = new Set<string>();
  let index = 0;
  while (index < text.length) {
    while (index < text.length && /\s/u.test(text[index] as string)) index++;
    if (index >= text.length) break;
    let negated = false;
    if (text[index] === '-' && index + 1 < text.length && !/\s/u.test(text[index + 1] as string)) {
      negated = true;
      index++;
    }
    const close = QUOTES[text[index] as string];
    let term: string;
    if (close) {
      const end = text.indexOf(close, index + 1);
      term = text.slice(index + 1, end === -1 ? text.length : end);
      index = end === -1 ? text.length : end + 1;
    } else {
      const start = index;
      while (index < text.length && !/\s/u.test(text[index] as string)) index++;
      term = text.slice(start, index);
    }
    const phrase = phraseOf(term);
    if (!phrase) continue;
    const key = `${negated ? '-' : '+'}${phraseSql(phrase)}`;
    if (seen.has(key)) continue;
    seen.add(key);
    (negated ? exclude : include).push(phrase);
  }
  return { include, exclude };
}

function phraseSql(phrase: QueryPhrase): string {
  let sql = '';
  let previous = 0;
  for (const [index, item] of phrase.items.entries()) {
    sql += index === 0 ? quote(item.lexeme) : ` <${item.offset - previous}> ${quote(item.lexeme)}`;
    previous = item.offset;
  }
  return phrase.items.length > 1 ? `(${sql})` : sql;
}

/**
 * The tsquery literal of a parsed query (cast it with `::tsquery`), with `requiredLexemes` ANDed in; null when
 * nothing is left to look for, which is no hits: an index cannot answer "everything but", and nobody asked.
 */
export function toTsquery(query: SearchQuery, requiredLexemes: readonly string[] = []): string | null {
  if (query.include.length === 0) return null;
  return [
    ...query.include.map(phraseSql),
    ...requiredLexemes.map(quote),
    ...query.exclude.map((phrase) => `!${phraseSql(phrase)}`),
  ].join(' & ');
}

/** Where the query's phrases occur in `text`, as merged `[start, end)` ranges. */
export function findMatches(text: string, query: SearchQuery): { start: number; end: number }[] {
  if (query.include.length === 0) return [];
  const tokens = tokenize(text);
  const at = new Map<string, SearchToken>();
  for (const token of tokens) at.set(`${token.position}\u0000${token.lexeme}`, token);
  const ranges: { start: number; end: number }[] = [];
  for (const phrase of query.include) {
    const [first, ...rest] = phrase.items;
    if (!first) continue;
    for (const token of tokens) {
      if (token.lexeme !== first.lexeme) continue;
      let end = token.end;
      const matched = rest.every((item) => {
        const next = at.get(`${token.position + item.offset}\u0000${item.lexeme}`);
        if (next) end = Math.max(end, next.end);
        return next !== undefined;
      });
      if (matched) ranges.push({ start: token.start, end });
    }
  }
  ranges.sort((a, b) => a.start - b.start || a.end - b.end);
  const merged: { start: number; end: number }[] = [];
  for (const range of ranges) {
    const last = merged.at(-1);
    if (last && range.start <= last.end) last.end = Math.max(last.end, range.end);
    else merged.push({ ...range });
  }
  return merged;
}

function isPlainAsciiWord(word: string): boolean {
  for (let index = 0; index < word.length; index++) {
    const code = word.charCodeAt(index);
    if (code < 0x61 || code > 0x7a) return false;
  }
  return true;
}
