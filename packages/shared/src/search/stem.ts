/// <reference path="./snowball-stemmers.d.ts" />
import { newStemmer } from 'snowball-stemmers';

// PostgreSQL's `english` text search configuration stems with Snowball's English (Porter2) stemmer; this is the
// same algorithm compiled from the Snowball sources, so our lexemes are the ones `ts_lexize('english_stem', …)`
// gives (stem.test.ts checks that over a 275,000-word vocabulary).
const english = newStemmer('english');

// Word frequencies are Zipfian: a small cache answers almost every lookup and keeps stemming off the write path.
const CACHE_LIMIT = 20_000;
const cache = new Map<string, string>();

/** The Snowball English stem of a lowercase a-z word. */
export function stem(word: string): string {
  let stemmed = cache.get(word);
  if (stemmed === undefined) {
    stemmed = english.stem(word);
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(word, stemmed);
  }
  return stemmed;
}
