// The learner's language, all the way: which language is chosen, the CLI's own words, the frame of
// a failure and each check's own text, the overview, and a guard that every t(en, zh) in the
// checks and the CLI has real Chinese beside its English.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findLesson, lessonDir, lessons, ROOT, solutionDir, type Lesson } from '../lessons.ts';
import { check, expectEqual, fail, type Endpoint, type Harness } from '../harness.ts';
import { activeLanguage, t, useLanguage } from '../runner/language.ts';
import { runChecks } from '../runner/run-checks.ts';
import { makeScratch, removeScratch } from '../runner/scratch.ts';
import { currentLanguage, parseLanguage } from './lang.ts';
import { renderOverview } from './overview.ts';
import type { LessonStatus } from './progress.ts';
import { lessonKey, readCachedStatus } from './status-cache.ts';

const lesson = findLesson('lesson-01') as Lesson;
const CJK = /[\u4e00-\u9fff]/;
const scratchState = (tag: string): string => join(ROOT, '.workbook', `language-test-${process.pid}-${tag}.json`);

/** Runs a CLI command as a learner would, with only the language settings given (no WORKBOOK_LANG unless set). */
function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; out: string }> {
  const base: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', ...env };
  delete base.FORCE_COLOR;
  for (const name of ['WORKBOOK_LANG', 'LC_ALL', 'LC_MESSAGES', 'LANG']) if (!(name in env)) delete base[name];
  return new Promise((resolve) => {
    const child = execFile(process.execPath, ['--import', 'tsx', join(ROOT, 'checks/cli', `${command}.ts`), ...args], { cwd: ROOT, env: base, timeout: 90_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, out: stripVTControlCharacters(`${stdout}${stderr}`) });
    });
    child.stdin?.end();
  });
}

describe('which language', () => {
  it('is the learner\'s explicit choice, else a Chinese LANG, else English', () => {
    const state = scratchState('choice');
    const previous = process.env.WORKBOOK_STATE;
    process.env.WORKBOOK_STATE = state;
    try {
      rmSync(state, { force: true });
      expect(currentLanguage({})).toBe('en');
      expect(currentLanguage({ LANG: 'zh_CN.UTF-8' })).toBe('zh-CN');
      expect(currentLanguage({ LANG: 'zh_TW.UTF-8' })).toBe('zh-CN');
      expect(currentLanguage({ LANG: 'C.UTF-8' })).toBe('en');
      expect(currentLanguage({ LANG: 'zh_CN.UTF-8', LC_ALL: 'C' }), 'LC_ALL outranks LANG').toBe('en');
      expect(currentLanguage({ LANG: 'en_US.UTF-8', LC_MESSAGES: 'zh_CN.UTF-8' })).toBe('zh-CN');
      writeFileSync(state, JSON.stringify({ lang: 'en' }));
      expect(currentLanguage({ LANG: 'zh_CN.UTF-8' }), 'npm run lang en outranks a Chinese LANG').toBe('en');
      writeFileSync(state, JSON.stringify({ lang: 'zh-CN' }));
      expect(currentLanguage({ LANG: 'C' }), 'npm run lang zh-CN outranks an English LANG').toBe('zh-CN');
      expect(currentLanguage({ WORKBOOK_LANG: 'en' }), 'WORKBOOK_LANG (tests, maintainers) outranks everything').toBe('en');
    } finally {
      if (previous === undefined) delete process.env.WORKBOOK_STATE; else process.env.WORKBOOK_STATE = previous;
      rmSync(state, { force: true });
    }
  });

  it('npm run lang takes the usual spellings', () => {
    for (const name of ['zh-CN', 'zh', 'zh_CN', 'ZH-cn', 'cn', 'chinese', '中文']) expect(parseLanguage(name), name).toBe('zh-CN');
    for (const name of ['en', 'EN', 'en-US', 'english']) expect(parseLanguage(name), name).toBe('en');
    for (const name of ['', 'fr', 'zhongwen', undefined]) expect(parseLanguage(name), String(name)).toBeUndefined();
  });

  it('t() gives the words of the active language', () => {
    expect(activeLanguage()).toBe('en');
    expect(t('hello', '你好')).toBe('hello');
    useLanguage('zh-CN');
    try {
      expect(t('hello', '你好')).toBe('你好');
    } finally {
      useLanguage('en');
    }
  });
});

describe('npm run check', () => {
  let wrong = '';
  beforeAll(async () => {
    // The reference solution with one realistic slip: no space after "Echo:". The first check
    // fails with its own expected and hint text, not with a starter's todo.
    const server = readFileSync(join(solutionDir(lesson), 'server.ts'), 'utf8');
    expect(server).toContain('socket.send(`Echo: ${text}`);');
    wrong = await makeScratch(lesson, 'language-check', { solution: true, files: { 'server.ts': server.replace('socket.send(`Echo: ${text}`);', 'socket.send(`Echo:${text}`);') } });
  });
  afterAll(() => {
    removeScratch(wrong);
    rmSync(scratchState('check-zh'), { force: true });
    rmSync(scratchState('check-en'), { force: true });
  });

  it('under LANG=zh_CN.UTF-8 prints a failing check in Chinese: its name, the frame, its own words, the wire, the summary', async () => {
    const { out } = await run('check', ['lesson-01', '--dir', wrong], { LANG: 'zh_CN.UTF-8', WORKBOOK_STATE: scratchState('check-zh') });
    expect(out).toContain(`lesson-01 · ${lesson.titleZh}`);
    const lines = out.split('\n');
    const first = lines.findIndex((line) => line.trimStart().startsWith('✗'));
    expect(first, out).toBeGreaterThan(0);
    expect(lines[first], 'the check\'s name').toMatch(CJK);
    const failure = lines.slice(first + 1, first + 4).map((line) => line.trim());
    expect(failure[0]).toBe('期望：回复应为 "Echo: Hello WebSocket!"');
    expect(failure[1]).toBe('实际："Echo:Hello WebSocket!"');
    expect(failure[2]).toMatch(/^提示：.*[\u4e00-\u9fff]/);
    expect(out).toContain('收发记录：');
    expect(out).toContain('测试客户端 → 你的服务器');
    expect(out).toMatch(/\d+ 项检查通过了 \d+ 项。从“[^”]*[\u4e00-\u9fff][^”]*”开始。/);
    expect(out).toContain('卡住了？');
    expect(out).not.toMatch(/Expected |Got |Hint: |checks pass/);
  });

  it('speaks English by default', async () => {
    const { out } = await run('check', ['lesson-01', '--dir', wrong], { LANG: 'C.UTF-8', WORKBOOK_STATE: scratchState('check-en') });
    expect(out).toContain(`lesson-01 · ${lesson.title}`);
    expect(out).toContain('Expected the reply to be "Echo: Hello WebSocket!"');
    expect(out).toContain('Got "Echo:Hello WebSocket!"');
    expect(out).toMatch(/\d+ of \d+ checks pass\. Start with “[^”]+”\./);
    expect(out).not.toMatch(/期望：|实际：|提示：|项检查/);
  });

  it('says "no such lesson" in the learner\'s language', async () => {
    const zh = await run('check', ['lesson-99'], { LANG: 'zh_CN.UTF-8', WORKBOOK_STATE: scratchState('check-zh') });
    expect(zh.code).toBe(2);
    expect(zh.out).toContain('没有叫 "lesson-99" 的课');
    const en = await run('check', ['lesson-99'], { WORKBOOK_STATE: scratchState('check-en') });
    expect(en.out).toContain('There is no lesson "lesson-99"');
  });
});

describe('the check runner', () => {
  let starter = '';
  beforeAll(async () => { starter = await makeScratch(lesson, 'language-starter'); });
  afterAll(() => removeScratch(starter));

  it('passes the language to the workers: under zh-CN a starter\'s checks have Chinese names, and its first failure still says what to do', async () => {
    const report = await runChecks({ paths: [starter], language: 'zh-CN', stopAtFirstFailure: true });
    const [first] = report.results.filter((result) => result.state === 'failed');
    expect(first, JSON.stringify(report.fileErrors)).toBeDefined();
    expect(first?.name).toMatch(CJK);
    const error = first?.errors[0];
    // What the contract asks of a starter's first failure (checks/contract/contract.ts), in Chinese.
    expect(error?.name === 'TodoError' || /^提示：/m.test(error?.message ?? ''), error?.message).toBe(true);
    expect(error?.message).toMatch(/^期望：/);
    const english = await runChecks({ paths: [starter], stopAtFirstFailure: true });
    expect(english.results.find((result) => result.state === 'failed')?.errors[0]?.message).toMatch(/^Expected [\s\S]*\nHint: /);
  });
});

describe('the overview', () => {
  const status = (id: string, state: LessonStatus['state'], reason?: string): LessonStatus => {
    const found = findLesson(id) as Lesson;
    return { lesson: found, dir: lessonDir(found), state, passedChecks: state === 'started' ? 2 : 0, ...(reason ? { reason } : {}) };
  };

  it('renders in Chinese under zh-CN', () => {
    useLanguage('zh-CN');
    try {
      const text = stripVTControlCharacters(renderOverview([status('lesson-01', 'done'), status('lesson-02', 'started', '某个检查'), status('lesson-03', 'not-started'), status('lesson-04', 'missing')]));
      const second = findLesson('lesson-02') as Lesson;
      expect(text).toContain(lesson.titleZh);
      expect(text).toMatch(/lesson-01 .*已完成/);
      expect(text).toMatch(/lesson-02 .*已通过 2 项，下一项：“某个检查”/);
      expect(text).toMatch(/lesson-04 .*尚未发布/);
      expect(text).toContain('3 课已完成 1 课');
      expect(text).toContain(`下一课：lesson-02 · ${second.titleZh}`);
      expect(text).toContain('lessons/lesson-02-conversation/README.zh-CN.md');
      expect(text).toContain('npm run check lesson-02');
      expect(text).not.toMatch(/lessons done|Next:|read {3}/);
    } finally {
      useLanguage('en');
    }
  });

  it('keeps a lesson\'s state across a change of language, but not a reason worded in the other one', () => {
    const state = scratchState('kept');
    const previous = process.env.WORKBOOK_STATE;
    process.env.WORKBOOK_STATE = state;
    try {
      const entry = { lesson, dir: lessonDir(lesson) };
      const key = lessonKey(entry.dir);
      writeFileSync(state, JSON.stringify({ statuses: { [entry.dir]: { key, state: 'started', passedChecks: 2, reason: 'answers every message', lang: 'en' } } }));
      expect(readCachedStatus(entry, key, true)?.reason).toBe('answers every message');
      useLanguage('zh-CN');
      expect(readCachedStatus(entry, key, true), 'the overview checks the lesson again, to name its next check in Chinese').toBeUndefined();
      const kept = readCachedStatus(entry, key);
      expect(kept?.state, 'the book and "next lesson" still know where the learner stands').toBe('started');
      expect(kept?.reason).toBeUndefined();
    } finally {
      useLanguage('en');
      if (previous === undefined) delete process.env.WORKBOOK_STATE; else process.env.WORKBOOK_STATE = previous;
      rmSync(state, { force: true });
    }
  });

  it('npm start under LANG=zh_CN.UTF-8 prints it in Chinese (here from kept results, so no check runs)', async () => {
    const state = scratchState('overview-zh');
    // Kept results for the real lessons, as a previous run in Chinese would have left them.
    const statuses = Object.fromEntries(lessons.map((each, i) => [lessonDir(each), {
      key: lessonKey(lessonDir(each)), state: i === 0 ? 'done' : 'not-started', passedChecks: 0, lang: 'zh-CN',
    }]));
    writeFileSync(state, JSON.stringify({ statuses }));
    try {
      const { out } = await run('overview', [], { LANG: 'zh_CN.UTF-8', WORKBOOK_STATE: state });
      expect(out).toContain('WebSocket 与流式传输');
      for (const each of lessons) expect(out).toContain(each.titleZh);
      expect(out).toMatch(/\d+ 课已完成 \d+ 课/);
      expect(out).toMatch(/下一课：lesson-\d\d · /);
      expect(out).not.toMatch(/lessons done|Next:/);
    } finally {
      rmSync(state, { force: true });
    }
  });
});

describe('a message without its Chinese', () => {
  it('does not compile: failures, waits, labels and check names take t(english, chinese), not a plain string', () => {
    // Never called: the suite type-checks the project (tsc), and each line below must be an error.
    const typeErrors = (net: Harness, endpoint: Endpoint): void => {
      // @ts-expect-error a plain string as the expected text
      fail({ expected: 'the reply', actual: t('none', '没有'), hint: t('send it', '发送它') });
      // @ts-expect-error a plain string as the hint
      expectEqual(1, 1, t('the count', '数量'), 'count again');
      // @ts-expect-error a plain string as what a wait waits for
      void endpoint.nextText({ waitingFor: 'the greeting' });
      // @ts-expect-error a plain string as a label
      void net.connect('ws://127.0.0.1:1', { label: 'client A' });
      // @ts-expect-error a plain string as a check's name
      check('answers hello', async () => {});
    };
    expect(typeof typeErrors).toBe('function');
  });
});

describe('every t(english, chinese)', () => {
  /** The source files whose words a learner reads: the checks, the harness, the runner, the CLI. */
  const files = [
    ...lessons.flatMap((each) => readdirSync(lessonDir(each)).filter((name) => name.endsWith('.check.ts')).map((name) => join(lessonDir(each), name))),
    ...['checks/harness.ts', 'checks/programs.ts', 'checks/wire.ts'].map((file) => join(ROOT, file)),
    ...['checks/runner', 'checks/cli'].flatMap((dir) => readdirSync(join(ROOT, dir)).filter((name) => name.endsWith('.ts') && !name.endsWith('.test.ts')).map((name) => join(ROOT, dir, name))),
  ];

  it.each(files.map((file) => [relative(ROOT, file), file] as const))('in %s has Chinese words beside its English ones', (_name, file) => {
    const source = readFileSync(file, 'utf8');
    const problems: string[] = [];
    for (const call of calls(source, 't')) {
      if (call.args.length !== 2) problems.push(`line ${call.line}: t(...) takes two arguments, English then Chinese`);
      const [en, zh] = call.args;
      if (en && zh && /[A-Za-z]{3,}/.test(prose(en.words)) && !CJK.test(zh.words)) problems.push(`line ${call.line}: no Chinese beside ${en.source.slice(0, 80)}`);
    }
    for (const call of calls(source, 'verbatim')) {
      // verbatim() is for data (values, code), never for words.
      const [text] = call.args;
      if (text && /[A-Za-z]{3,}/.test(prose(text.words))) problems.push(`line ${call.line}: verbatim(...) holds words: ${text.source.slice(0, 80)}`);
    }
    expect(problems).toEqual([]);
  });

  it('finds the calls it guards, and only those', () => {
    const source = "// t('not', 'a call')\nfail({ expected: t(`a ${x ? 'b' : `c${d(1, 2)}`}`, `中文 ${y}`), hint: t('it\\'s (x)', '这（x）'), at: /['`]t(/ }); const s = 't(no)';";
    const found = calls(source, 't');
    expect(found.map((call) => call.args.map((arg) => arg.source))).toEqual([["`a ${x ? 'b' : `c${d(1, 2)}`}`", '`中文 ${y}`'], ["'it\\'s (x)'", "'这（x）'"]]);
    expect(found.map((call) => call.args.map((arg) => arg.words))).toEqual([['a bc', '中文 '], ["it\\'s (x)", '这（x）']]);
    expect(prose('send "Echo: hi" with `socket.send(x)` now')).toBe('send  with  now');
  });
});

/** Words without what they quote: "…" (data, a message on the wire) and `…` (code) read the same in every language. */
function prose(words: string): string {
  return words.replace(/"(?:[^"\\]|\\.)*"|\\"(?:[^\\]|\\[^"])*\\"|`[^`]*`/g, '');
}

interface Argument {
  /** The argument's source text, trimmed. */
  source: string;
  /** Its literal words: the text of its strings and templates, without code or ${…} substitutions. */
  words: string;
}

/** Calls of `name(...)` in code (not in strings, comments or regular expressions), with their arguments. */
function calls(source: string, name: string): { line: number; args: Argument[] }[] {
  const code = codeMask(source);
  const found: { line: number; args: Argument[] }[] = [];
  const pattern = new RegExp(`(?<![\\w$.])${name}\\(`, 'g');
  for (let match = pattern.exec(source); match; match = pattern.exec(source)) {
    if (code[match.index] !== CODE) continue;
    const args: Argument[] = [];
    const open = match.index + match[0].length;
    let start = open;
    let depth = 0;
    let i = open;
    const take = (end: number): void => {
      const text = source.slice(start, end);
      let words = '';
      for (let j = start; j < end; j += 1) if (code[j] === TEXT) words += source[j];
      if (text.trim() !== '') args.push({ source: text.trim(), words });
    };
    for (; i < source.length; i += 1) {
      if (code[i] !== CODE) continue;
      const char = source[i] ?? '';
      if ('([{'.includes(char)) depth += 1;
      else if (')]}'.includes(char)) {
        if (depth === 0) break;
        depth -= 1;
      } else if (char === ',' && depth === 0) {
        take(i);
        start = i + 1;
      }
    }
    take(i);
    found.push({ line: source.slice(0, match.index).split('\n').length, args });
  }
  return found;
}

const TEXT = 0;
const CODE = 1;
const OTHER = 2;

/**
 * Marks each character of TypeScript source: CODE, TEXT (inside a string or a template's text) or
 * OTHER (quotes, comments, regular expressions, the ${ and } around a template substitution, so
 * bracket counting over code stays balanced). Template substitutions are code again.
 */
function codeMask(source: string): Uint8Array {
  const mask = new Uint8Array(source.length).fill(OTHER);
  const stack: ('code' | 'template')[] = ['code'];
  const braces: number[] = [0];
  let lastCode = '';
  let i = 0;
  while (i < source.length) {
    const char = source[i] ?? '';
    if (stack.at(-1) === 'template') {
      if (char === '\\') { mask.fill(TEXT, i, i + 2); i += 2; continue; }
      if (char === '`') { stack.pop(); braces.pop(); i += 1; lastCode = '`'; continue; }
      if (char === '$' && source[i + 1] === '{') { stack.push('code'); braces.push(0); i += 2; lastCode = '('; continue; }
      mask[i] = TEXT;
      i += 1;
      continue;
    }
    if (char === '/' && source[i + 1] === '/') { const end = source.indexOf('\n', i); i = end < 0 ? source.length : end; continue; }
    if (char === '/' && source[i + 1] === '*') { const end = source.indexOf('*/', i + 2); i = end < 0 ? source.length : end + 2; continue; }
    if (char === '"' || char === "'") {
      i += 1;
      while (i < source.length && source[i] !== char && source[i] !== '\n') {
        const step = source[i] === '\\' ? 2 : 1;
        mask.fill(TEXT, i, i + step);
        i += step;
      }
      i += 1;
      lastCode = char;
      continue;
    }
    if (char === '`') { stack.push('template'); braces.push(0); i += 1; continue; }
    if (char === '/' && (lastCode === '' || '(,=:[!&|?{};+-*%<>~^'.includes(lastCode))) {
      // A regular expression literal: skip to its closing slash (a / inside [...] does not close it).
      let inClass = false;
      i += 1;
      while (i < source.length && source[i] !== '\n') {
        const inner = source[i];
        if (inner === '\\') { i += 2; continue; }
        if (inner === '[') inClass = true;
        else if (inner === ']') inClass = false;
        else if (inner === '/' && !inClass) break;
        i += 1;
      }
      i += 1;
      lastCode = ')';
      continue;
    }
    if (char === '{') braces[braces.length - 1] = (braces.at(-1) ?? 0) + 1;
    if (char === '}') {
      if ((braces.at(-1) ?? 0) === 0 && stack.length > 1) { stack.pop(); braces.pop(); i += 1; lastCode = ')'; continue; }
      braces[braces.length - 1] = (braces.at(-1) ?? 0) - 1;
    }
    mask[i] = CODE;
    if (!/\s/.test(char)) lastCode = /[\w$]/.test(char) ? 'a' : char;
    i += 1;
  }
  return mask;
}
