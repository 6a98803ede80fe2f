// Every lesson a README names must exist. Links to another lesson's README are checked with the
// other links (site.ts); this finds the lessons named in the text: "lesson 07", "Lessons 09 and
// 10", "lesson-03" (an id, as in `npm run check lesson-03`), "第 16 课", "第 09、10 课". A number
// is fixed once its lesson is published (checks/lessons.ts), so a lesson still to be written has
// no number yet: "a later lesson", "后面的课程".

export interface LessonMention {
  /** 1-based line and column in the markdown file. */
  line: number;
  column: number;
  /** The words as written, e.g. "lesson 16" or "第 09、10 课". */
  text: string;
  /** Every lesson number they name (a range names the numbers between its ends too). */
  numbers: number[];
}

const NUMBER = String.raw`\d{1,3}`;
// "lesson 7", "Lessons 09, 10 and 16", "lessons 2–4", "lesson 1 to 3", "lesson 07's"
const ENGLISH = new RegExp(String.raw`\b[Ll]essons?[ \u00a0]+${NUMBER}\b(?:\s*(?:,\s*(?:and|or)?|and|or|&|to|through|[-–—])\s*${NUMBER}\b)*`, 'g');
// "lesson-03" and the folder "lesson-03-streaming"
const ID = new RegExp(String.raw`\blesson-(${NUMBER})(?![\d])`, 'g');
// "第 16 课", "第09课", "第 09、10 课", "第 2 至 4 课"
const CHINESE = new RegExp(String.raw`第\s*${NUMBER}(?:\s*[、，,和与及或至到~～–—-]\s*${NUMBER})*\s*[课課]`, 'g');

/** The lesson numbers a mention names; "2–4", "2 to 4" and "2 至 4" are ranges. */
function numbersOf(text: string): number[] {
  const out: number[] = [];
  const parts = text.match(/\d+|to|through|[至到~～–—-]/g) ?? [];
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (!/^\d+$/.test(part)) continue;
    const n = Number(part);
    const range = parts[i + 1] !== undefined && !/^\d+$/.test(parts[i + 1]!) && parts[i + 2] !== undefined && /^\d+$/.test(parts[i + 2]!);
    if (range) {
      const end = Number(parts[i + 2]);
      for (let k = Math.min(n, end); k <= Math.max(n, end) && k - Math.min(n, end) < 100; k++) out.push(k);
      i += 2;
    } else {
      out.push(n);
    }
  }
  return [...new Set(out)];
}

/** Every mention of a lesson by number in a markdown file, code included. */
export function lessonMentions(markdown: string): LessonMention[] {
  const mentions: LessonMention[] = [];
  markdown.split('\n').forEach((line, index) => {
    const found: LessonMention[] = [];
    for (const pattern of [ENGLISH, CHINESE]) {
      for (const match of line.matchAll(pattern)) {
        found.push({ line: index + 1, column: match.index + 1, text: match[0], numbers: numbersOf(match[0]) });
      }
    }
    for (const match of line.matchAll(ID)) {
      found.push({ line: index + 1, column: match.index + 1, text: match[0], numbers: [Number(match[1])] });
    }
    mentions.push(...found.sort((a, b) => a.column - b.column));
  });
  return mentions;
}

/**
 * One error per mention of a lesson the course does not have, e.g.
 * `lessons/lesson-08-broadcast/README.md:49: "lesson 16" names lesson 16, which does not exist …`.
 */
export function missingLessonErrors(file: string, markdown: string, numbers: readonly number[]): string[] {
  const known = new Set(numbers);
  const have = numbers.length ? `lessons ${pad(Math.min(...numbers))}–${pad(Math.max(...numbers))}` : 'no lessons';
  const later = /\.zh-CN\.md$/i.test(file) ? '"后面的课程"' : '"a later lesson"';
  const errors: string[] = [];
  for (const mention of lessonMentions(markdown)) {
    const missing = mention.numbers.filter((n) => !known.has(n));
    if (!missing.length) continue;
    errors.push(`${file}:${mention.line}: "${mention.text}" names ${missing.map((n) => `lesson ${pad(n)}`).join(' and ')}, which the course does not have ` +
      `(it has ${have}); name a lesson only once it is published, or say ${later}.`);
  }
  return errors;
}

const pad = (n: number): string => String(n).padStart(2, '0');
