import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { findLesson, LESSON_META_DIR, lessonDir, lessonFolder, lessonMetaDir, lessons, solutionDir } from './lessons.ts';
import { terminalTranscript } from './play/terminal.ts';
import { learnerFrames } from './runner/format.ts';

describe('the lesson list', () => {
  it('numbers lessons 01, 02, … in order with unique slugs', () => {
    lessons.forEach((lesson, i) => expect(lesson.id).toBe(`lesson-${String(i + 1).padStart(2, '0')}`));
    expect(new Set(lessons.map((lesson) => lesson.slug)).size).toBe(lessons.length);
  });

  it.each(['lesson-01', '01', '1', 'echo', 'Echo', 'lesson-01-echo', 'lessons/lesson-01-echo/', 'LESSON-01', 'lesson01'])('finds lesson-01 as %s', (query) => {
    expect(findLesson(query)?.id).toBe('lesson-01');
  });

  it.each(['', 'lesson-99', '0', 'ech', 'lesson-01-stream', '1.5'])('finds nothing for %j', (query) => {
    expect(findLesson(query)).toBeUndefined();
  });

  it('names folders id-slug', () => {
    expect(lessonFolder(lessons[0]!)).toBe('lesson-01-echo');
  });

  it.each(lessons.map((lesson) => [lesson.id, lesson] as const))('%s has every hint in Chinese too, one for one', (_id, lesson) => {
    expect(lesson.hintsZh, 'hintsZh in its lesson.ts').toHaveLength(lesson.hints.length);
    for (const hint of lesson.hintsZh) expect(hint).toMatch(/[\u4e00-\u9fff]/);
  });

  it('lists every folder of checks/lessons/', () => {
    const folders = readdirSync(LESSON_META_DIR, { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => entry.name);
    expect(lessons.map(lessonFolder)).toEqual(folders.sort());
  });

  it.each(lessons.map((lesson) => [lesson.id, lesson] as const))('%s: its maintainer folder, lessons/ and solutions/ folders share one name', (_id, lesson) => {
    expect(existsSync(join(lessonMetaDir(lesson), 'lesson.ts'))).toBe(true);
    expect(existsSync(lessonDir(lesson))).toBe(true);
    expect(existsSync(solutionDir(lesson))).toBe(true);
  });
});

describe('the play transcript', () => {
  const strip = (text: string): string => text.replace(/\x1b\[[0-9;]*m/g, '');

  it('labels each side and keeps a streamed line on one line', () => {
    let screen = '';
    const transcript = terminalTranscript((text) => { screen += text; });
    transcript.emit({ side: 'client', text: 'Receiving stream:\n', at: 0 });
    transcript.emit({ side: 'client', text: '春眠不觉晓，', at: 1 });
    transcript.emit({ side: 'client', text: '处处闻啼鸟。', at: 2 });
    transcript.emit({ side: 'server', text: 'client left\n', at: 3 });
    transcript.end();
    expect(strip(screen)).toBe('client │ Receiving stream:\nclient │ 春眠不觉晓，处处闻啼鸟。\nserver │ client left\n');
  });

  it('redraws a line on \\r', () => {
    let screen = '';
    const transcript = terminalTranscript((text) => { screen += text; });
    transcript.emit({ side: 'client', text: '\r你好', at: 0 });
    transcript.emit({ side: 'client', text: '\r你好 世界', at: 1 });
    transcript.end();
    expect(strip(screen)).toBe('\r\x1b[2Kclient │ 你好\r\x1b[2Kclient │ 你好 世界\n');
  });
});

describe('learner stack frames', () => {
  it('keeps the learner\'s frames and drops the runner\'s, vitest\'s and node\'s', () => {
    const stack = [
      'TypeError: x is not a function',
      '    at WebSocket.<anonymous> (/work/main/lessons/lesson-01-echo/server.ts:20:7)',
      '    at WebSocket.emit (node:events:524:28)',
      '    at Receiver.receiverOnMessage (/work/main/node_modules/ws/lib/websocket.js:1220:20)',
      '    at Harness.serve (/work/main/checks/harness.ts:300:5)',
      '    at file:///work/main/lessons/lesson-01-echo/echo.check.ts:12:3',
    ].join('\n');
    const frames = learnerFrames(stack.replaceAll('/work/main', process.cwd()));
    expect(frames).toEqual([
      'at WebSocket.<anonymous> (lessons/lesson-01-echo/server.ts:20:7)',
      'at lessons/lesson-01-echo/echo.check.ts:12:3',
    ]);
  });
});
