// The book's small parts on their own: diagrams, includes, anchors, search tokens.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lessonDir, lessons, ROOT } from '../../checks/lessons.ts';
import { DEMO_ERROR_CODES, parseDemoRequest } from '../serve/demo-protocol.ts';
import { parseChildMessage } from '../serve/protocol.ts';
import { IncludeError, readIncluded } from '../src/include.ts';
import { escapeAnswerNumbers } from '../src/markdown.ts';
import { lessonMentions, missingLessonErrors } from '../src/mentions.ts';
import { tokenize } from '../src/search.ts';
import { parseSequence, renderSequence, SequenceSyntaxError } from '../src/sequence.ts';
import { githubSlug, Slugger } from '../src/slug.ts';


describe('sequence diagrams', () => {
  it('reads participants, messages, notes, gaps and dividers', () => {
    const d = parseSequence('title: T\nparticipant C as Client\nC -> S: hi\nS --> C: back\nS -x C: lost\nnote over C,S: both\n... 1 s ...\n== end ==\n# comment');
    expect(d.title).toBe('T');
    expect(d.participants.map((p) => p.id)).toEqual(['C', 'S']);
    expect(d.steps.map((s) => s.kind)).toEqual(['message', 'message', 'message', 'note', 'gap', 'divider']);
  });

  it('names the line of a mistake', () => {
    expect(() => parseSequence('participant A\nA => B: nope')).toThrow(SequenceSyntaxError);
    expect(() => parseSequence('participant A\nA => B: nope')).toThrow(/line 2/);
  });

  it('draws SVG with escaped text and no scripts', () => {
    const svg = renderSequence('A -> B: <script>alert(1)</script> & "q"');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).not.toContain('<script');
    expect(svg).toContain('&lt;script&gt;');
  });

  it('draws every diagram in every README', () => {
    for (const lesson of lessons) {
      for (const readme of ['README.md', 'README.zh-CN.md']) {
        const path = join(lessonDir(lesson), readme);
        if (!existsSync(path)) continue;
        for (const [, source] of readFileSync(path, 'utf8').matchAll(/^```sequence\n([^]*?)^```$/gm)) {
          expect(renderSequence(source!), `${lesson.id}/${readme}`).toMatch(/^<svg[^]*<\/svg>$/);
        }
      }
    }
  });

  it.each([['lesson-01', 'the opening handshake'], ['lesson-03', 'a streamed reply'], ['lesson-07', 'the heartbeat'], ['lesson-08', 'a broadcast with a slow client']])(
    '%s explains %s with a diagram, in both languages',
    (id) => {
      const lesson = lessons.find((l) => l.id === id)!;
      for (const readme of ['README.md', 'README.zh-CN.md']) {
        const path = join(lessonDir(lesson), readme);
        expect(existsSync(path), `${id}/${readme} exists`).toBe(true);
        expect(/^```sequence$/m.test(readFileSync(path, 'utf8')), `${id}/${readme} has a \`\`\`sequence block`).toBe(true);
      }
    },
  );
});

describe('includes', () => {
  const dir = join(ROOT, '.workbook', `book-include-test-${process.pid}`);
  it('shows a whole file without region markers, or one region dedented', () => {
    mkdirSync(dir, { recursive: true });
    try {
      const file = join(dir, 'x.ts');
      writeFileSync(file, 'a();\n// #region loop\n  for (;;) {\n    // #region inner\n    b();\n    // #endregion\n  }\n// #endregion\nc();\n');
      expect(readIncluded(file, undefined)).toBe('a();\n  for (;;) {\n    b();\n  }\nc();');
      expect(readIncluded(file, 'loop')).toBe('for (;;) {\n  b();\n}');
      expect(readIncluded(file, 'inner')).toBe('b();');
      expect(() => readIncluded(file, 'nope')).toThrow(IncludeError);
      expect(() => readIncluded(join(dir, 'missing.ts'), undefined)).toThrow(/does not exist/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('heading anchors', () => {
  it('match GitHub, so README links work in both places', () => {
    expect(githubSlug("The ws API, and the seed's Python")).toBe('the-ws-api-and-the-seeds-python');
    expect(githubSlug('自测')).toBe('自测');
    expect(githubSlug('`close()` vs. `terminate()`')).toBe('close-vs-terminate');
    const slugger = new Slugger();
    expect([slugger.slug('A'), slugger.slug('A'), slugger.slug('A-1'), slugger.slug('A')]).toEqual(['a', 'a-1', 'a-1-1', 'a-2']);
  });
});

describe('search tokens', () => {
  it('cut Chinese into words and bigrams, and camelCase names into parts', () => {
    const tokens = tokenize('服务器发送心跳包 createServer');
    expect(tokens).toEqual(expect.arrayContaining(['服务', '务器', '心跳', '跳包', '心', 'createserver', 'create', 'server']));
  });
});

describe('a small book built from a scratch folder', () => {
  const root = join(ROOT, '.workbook', `book-scratch-test-${process.pid}`);
  const lesson = { id: 'lesson-01', slug: 'demo', title: 'Demo', titleZh: '演示', files: [], hints: [], hintsZh: [] };
  const write = (path: string, text: string): void => {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  };

  it('falls back to English where the Chinese text is missing, and says so', async () => {
    const { buildBook } = await import('../src/site.ts');
    try {
      write('lessons/lesson-01-demo/README.md', '# Demo\n\nHello.\n\n## Self-test\n\n### Why?\n\nBecause.\n');
      const result = buildBook({ root, lessons: [lesson], outDir: join(root, 'site') });
      expect(result.errors).toEqual([]);
      const zh = readFileSync(join(root, 'site', 'lesson-01-demo.zh-CN.html'), 'utf8');
      expect(zh.includes('<html lang="zh-CN">')).toBe(true);
      expect(zh.includes('本课还没有中文版')).toBe(true);
      expect(zh.includes('<article class="lesson" lang="en">')).toBe(true);
      expect(result.pages.find((p) => p.file === 'lesson-01-demo.zh-CN.html')?.fallback).toBe(true);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('fails the build on a missing include, a broken link or a diagram mistake, naming each', async () => {
    const { buildBook } = await import('../src/site.ts');
    try {
      write('lessons/lesson-01-demo/README.md', [
        '# Demo', '', '[gone.ts](./gone.ts \':include\')', '', '[here](./README.md#nowhere) and [there](../nope.md)', '',
        '```sequence', 'A => B: no', '```', '',
      ].join('\n'));
      const result = buildBook({ root, lessons: [lesson], outDir: join(root, 'site') });
      const errors = result.errors.join('\n');
      expect(errors).toMatch(/cannot include "\.\/gone\.ts": the file does not exist/);
      expect(errors).toMatch(/"\.\.\/nope\.md".*does not exist/);
      expect(errors).toMatch(/"\.\/README\.md#nowhere" names a heading that does not exist/);
      expect(errors).toMatch(/sequence diagram has a mistake on line 8: cannot read "A => B: no"/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('Chinese text', () => {
  it('joins lines of a Chinese paragraph without a stray space, and keeps the space next to Latin text', async () => {
    const { createMarkdown } = await import('../src/markdown.ts');
    expect(createMarkdown().render('定时器，\n立刻被清除\n`sleep` 以\nreject')).toBe('<p>定时器，立刻被清除\n<code>sleep</code> 以\nreject</p>\n');
  });

  it('closes ** after full-width punctuation, where CommonMark would not', async () => {
    const { createMarkdown } = await import('../src/markdown.ts');
    const md = createMarkdown();
    expect(md.renderInline('用**指数退避（full jitter）**重连，**“引号”**内')).toBe('用<strong>指数退避（full jitter）</strong>重连，<strong>“引号”</strong>内');
    expect(md.renderInline('a **b** c, **d.**e')).toBe('a <strong>b</strong> c, **d.**e');
  });
});

describe("the demo socket's boundary", () => {
  const ids = lessons.map((l) => l.id);
  const parse = (text: string, binary = false): ReturnType<typeof parseDemoRequest> => parseDemoRequest(Buffer.from(text), binary, ids);

  it('reads the four requests, and drops unknown fields', () => {
    expect(parse('{"type":"run","lesson":"lesson-03","variant":"learner","extra":[1]}')).toEqual({ ok: true, request: { type: 'run', lesson: 'lesson-03', variant: 'learner' } });
    expect(parse('{"type":"stop","lesson":5}')).toEqual({ ok: true, request: { type: 'stop' } });
    expect(parse('{"type":"echo-start","variant":"solution"}')).toEqual({ ok: true, request: { type: 'echo-start', variant: 'solution' } });
    expect(parse('{"type":"echo-stop"}')).toEqual({ ok: true, request: { type: 'echo-stop' } });
  });

  it('answers anything else with a documented code, and never throws', () => {
    const codes = Object.keys(DEMO_ERROR_CODES);
    const seen = new Set<string>();
    const check = (result: ReturnType<typeof parseDemoRequest>): void => {
      if (result.ok) return;
      seen.add(result.error.code);
      expect(codes).toContain(result.error.code);
      expect(result.error.message.length).toBeLessThan(200);
    };
    fc.assert(fc.property(fc.jsonValue(), (value) => check(parse(JSON.stringify(value) ?? 'null'))), { seed: 6, numRuns: 500 });
    fc.assert(fc.property(fc.string({ maxLength: 300 }), (text) => check(parse(text))), { seed: 7, numRuns: 500 });
    fc.assert(fc.property(
      fc.record({ type: fc.oneof(fc.constantFrom('run', 'stop', 'echo-start', 'echo-stop', 'constructor', '__proto__'), fc.jsonValue()), lesson: fc.oneof(fc.constantFrom(...ids), fc.jsonValue()), variant: fc.oneof(fc.constantFrom('learner', 'solution'), fc.jsonValue()) }, { requiredKeys: [] }),
      (value) => check(parse(JSON.stringify(value))),
    ), { seed: 8, numRuns: 500 });
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
      const result = parseDemoRequest(Buffer.from(bytes), true, ids);
      expect(result).toMatchObject({ ok: false, error: { code: 'binary_not_supported' } });
    }), { seed: 9, numRuns: 100 });
    expect([...seen].sort()).toEqual(['bad_json', 'bad_request', 'unknown_lesson', 'unknown_type']);
  });

  it("checks a child's messages field by field", () => {
    expect(parseChildMessage('{"type":"event","side":"client","text":"hi","at":3}')).toEqual({ type: 'event', side: 'client', text: 'hi', at: 3 });
    expect(parseChildMessage('{"type":"ready","port":4567}')).toEqual({ type: 'ready', port: 4567 });
    for (const line of ['null', '[]', '5', 'nope', '{"type":"event","side":"evil","text":"x","at":1}', '{"type":"event","side":"client","text":5,"at":1}',
      '{"type":"ready","url":"ws://evil.example"}', '{"type":"ready","port":0}', '{"type":"ready","port":70000}', '{"type":"end","ok":"yes","message":""}', '{"type":"log"}']) {
      expect(parseChildMessage(line), line).toBeUndefined();
    }
  });
});

describe('self-test answers that start with a number', () => {
  it('escape the period of the first line, and only there', () => {
    const src = [
      '# T', '', '1. a real list', '', '## Self-test', '', '### Which code?', '', '1006. `terminate()` sends no close frame.', '2. still text on the next line',
      '', '### Steps?', '', 'First:', '', '1. a list inside an answer stays a list', '', '### Code first?', '', '```', '1. in a fence', '```',
      '', '### Paren?', '', '7) seven', '', '## After', '', '### Not a question', '', '3. a list again',
    ].join('\n');
    const out = escapeAnswerNumbers(src).split('\n');
    expect(out).toContain('1006\\. `terminate()` sends no close frame.');
    expect(out).toContain('2. still text on the next line');
    expect(out).toContain('1. a list inside an answer stays a list');
    expect(out).toContain('1. in a fence');
    expect(out).toContain('7\\) seven');
    expect(out).toContain('3. a list again');
    expect(out[2]).toBe('1. a real list');
    expect(out.length).toBe(src.split('\n').length);
  });
});

describe('lessons named in a README', () => {
  it('finds "lesson NN", lists and ranges of them, ids and folder names, and "第 NN 课"', () => {
    const found = lessonMentions([
      'As lesson 07 showed, and Lessons 09, 10 and 16 will.',
      'Run `npm run check lesson-03`, see lessons/lesson-02-conversation/ and lessons 2–4.',
      '第 08 课讲广播；第 09、10 课还没写；第2至3课。',
      'No number: a later lesson, lesson-NN, lessons/, 1,000 lessons.',
    ].join('\n'));
    expect(found.map((m) => [m.line, m.text, m.numbers])).toEqual([
      [1, 'lesson 07', [7]],
      [1, 'Lessons 09, 10 and 16', [9, 10, 16]],
      [2, 'lesson-03', [3]],
      [2, 'lesson-02', [2]],
      [2, 'lessons 2–4', [2, 3, 4]],
      [3, '第 08 课', [8]],
      [3, '第 09、10 课', [9, 10]],
      [3, '第2至3课', [2, 3]],
    ]);
  });

  it('names the file, line and lesson of each mention of a lesson the course does not have', () => {
    const errors = missingLessonErrors('lessons/x/README.zh-CN.md', '# x\n\n见第 07 课。\n第 16 课会讲。\n', [1, 2, 3, 4, 5, 6, 7, 8]);
    expect(errors).toEqual([expect.stringMatching(/^lessons\/x\/README\.zh-CN\.md:4: "第 16 课" names lesson 16, which the course does not have \(it has lessons 01–08\)/)]);
    expect(missingLessonErrors('README.md', 'Lesson 08 and lesson-01.', [1, 8])).toEqual([]);
  });

  it('fail the build, in both languages', async () => {
    const { buildBook } = await import('../src/site.ts');
    const root = join(ROOT, '.workbook', `book-mentions-test-${process.pid}`);
    const lesson = { id: 'lesson-01', slug: 'demo', title: 'Demo', titleZh: '演示', files: [], hints: [], hintsZh: [] };
    try {
      mkdirSync(join(root, 'lessons', 'lesson-01-demo'), { recursive: true });
      writeFileSync(join(root, 'lessons', 'lesson-01-demo', 'README.md'), '# Demo\n\nLesson 01 is this one; lesson 02 comes next.\n');
      writeFileSync(join(root, 'lessons', 'lesson-01-demo', 'README.zh-CN.md'), '# 演示\n\n下一课是第 02 课。\n');
      const result = buildBook({ root, lessons: [lesson], outDir: join(root, 'site') });
      expect(result.mentions).toEqual([
        expect.stringMatching(/^lessons\/lesson-01-demo\/README\.md:3: "lesson 02" names lesson 02/),
        expect.stringMatching(/^lessons\/lesson-01-demo\/README\.zh-CN\.md:3: "第 02 课" names lesson 02/),
      ]);
      expect(result.errors).toEqual(expect.arrayContaining(result.mentions));
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
