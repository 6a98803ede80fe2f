// The search index, built at build time and written as a script (assets/search-index.js) so the
// book can search offline, even opened from file://. One index holds both languages.
//
// Tokens: Latin words are lower-cased (camelCase names also give their parts: createServer →
// createserver, create, server). Chinese, Japanese and Korean text has no spaces, so it is cut
// into words with Intl.Segmenter and, because a dictionary never knows every word, into every
// pair of neighbouring characters (bigrams) and single characters too. A query is cut the same
// way in the browser (assets/search.js): a CJK phrase matches a section that holds all its
// bigrams, and ranks higher where the segmenter saw it as a word.

export interface SearchDoc {
  /** Page file name plus #anchor. */
  url: string;
  lang: string;
  /** Lesson label, e.g. "Lesson 7" / "第 7 课". */
  lesson: string;
  page: string;
  heading: string;
  text: string;
}

export interface SearchIndex {
  docs: SearchDoc[];
  /** token → [doc, weight, doc, weight, …] */
  terms: Record<string, number[]>;
}

const CJK_RUN = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]+/u;
const TOKEN_RUN = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]+|[\p{L}\p{N}_]+/gu;
const segmenter = new Intl.Segmenter('zh', { granularity: 'word' });

/** Every search token in a text, with repeats (the count is the term frequency). */
export function tokenize(text: string): string[] {
  const out: string[] = [];
  for (const [run] of text.normalize('NFKC').matchAll(TOKEN_RUN)) {
    if (CJK_RUN.test(run)) {
      const chars = [...run];
      for (const { segment, isWordLike } of segmenter.segment(run)) {
        if (isWordLike && [...segment].length > 2) out.push(segment);
      }
      for (let i = 0; i < chars.length; i++) {
        out.push(chars[i]!);
        if (i + 1 < chars.length) out.push(chars[i]! + chars[i + 1]!);
      }
    } else {
      const word = run.toLowerCase();
      if (word.length < 2 && !/\d/.test(word)) continue;
      out.push(word);
      const parts = run.split(/_|(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])/).filter((part) => part.length > 1);
      if (parts.length > 1) out.push(...parts.map((part) => part.toLowerCase()));
    }
  }
  return out;
}

const HEADING_WEIGHT = 6;

export function buildSearchIndex(sections: SearchDoc[]): SearchIndex {
  // The snippets are cut from the same text the tokens came from: NFKC turns "½" into "1⁄2" and
  // "Ａｌｉｃｅ" into "Alice", and a term found in the index must be found in its snippet too.
  const docs = sections.map((doc) => ({ ...doc, page: doc.page.normalize('NFKC'), heading: doc.heading.normalize('NFKC'), text: doc.text.normalize('NFKC') }));
  const terms = new Map<string, Map<number, number>>();
  const add = (token: string, doc: number, weight: number): void => {
    let postings = terms.get(token);
    if (!postings) terms.set(token, (postings = new Map()));
    postings.set(doc, (postings.get(doc) ?? 0) + weight);
  };
  docs.forEach((doc, i) => {
    for (const token of tokenize(doc.text)) add(token, i, 1);
    for (const token of tokenize(doc.heading || doc.page)) add(token, i, HEADING_WEIGHT);
  });
  const out: Record<string, number[]> = {};
  for (const [token, postings] of [...terms].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    out[token] = [...postings].flat();
  }
  return { docs, terms: out };
}

/** The index as a script that sets `window.BOOK_SEARCH_INDEX`. */
export function searchIndexScript(index: SearchIndex): string {
  // JSON is valid JavaScript; escaping `<` keeps a stray "</script>" in a lesson harmless.
  return `window.BOOK_SEARCH_INDEX=${JSON.stringify(index).replace(/</g, '\\u003c')};\n`;
}
