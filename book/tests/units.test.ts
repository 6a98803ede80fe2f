// The book's small parts on their own: diagrams, includes, anchors, search tokens.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lessonDir, lessons, ROOT } from '../../checks/lessons.ts';
import { IncludeError, readIncluded } from '../src/include.ts';
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
  const lesson = { id: 'lesson-01', slug: 'demo', title: 'Demo', titleZh: '演示', files: [], hints: [] };
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
