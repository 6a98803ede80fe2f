// npm run hint lesson-01 — reveals the lesson's hints one at a time, gentlest first, and shows the
// ones already seen. Without a lesson: the lesson last checked. Progress is kept in
// .workbook/state.json; `-- --restart` hides them again.
import { parseArgs } from 'node:util';
import pc from 'picocolors';
import { isMain } from '../../lib/program.ts';
import { findLesson, lessonFolder, lessonIdList, type Lesson } from '../lessons.ts';
import { activeLanguage, t } from '../runner/language.ts';
import { speakLearnersLanguage, type Language } from './lang.ts';
import { readState, updateState } from './state.ts';

/** Reveals the next hint of `lesson` (if any is left) and returns how many are revealed now. */
export function revealNextHint(lesson: Lesson): { shown: number; total: number; newlyShown: boolean } {
  const total = lesson.hints.length; // hintsZh has one for one (a test says so)
  let shown = 0;
  let newlyShown = false;
  updateState((state) => {
    const hints = state.hints ?? {};
    const before = Math.min(Math.max(0, Math.floor(hints[lesson.id] ?? 0)), total);
    shown = Math.min(before + 1, total);
    newlyShown = shown > before;
    hints[lesson.id] = shown;
    state.hints = hints;
  });
  return { shown, total, newlyShown };
}

export function restartHints(lesson: Lesson): void {
  updateState((state) => {
    if (state.hints) delete state.hints[lesson.id];
  });
}

/** The revealed hints, the newest one highlighted, and what to do next, in the learner's language. */
export function renderHints(lesson: Lesson, shown: number, newlyShown: boolean, again?: string, language: Language = activeLanguage()): string {
  const zh = language === 'zh-CN';
  const hints = zh ? lesson.hintsZh : lesson.hints;
  const total = hints.length;
  const next = again ?? (zh ? `再运行 npm run hint ${lesson.id}` : `run npm run hint ${lesson.id} again`);
  const lines = [pc.bold(`${lesson.id} · ${zh ? lesson.titleZh : lesson.title}`) + pc.dim(zh ? `  提示 ${shown} / ${total}` : `  hint ${shown} of ${total}`), ''];
  hints.slice(0, shown).forEach((hint, i) => {
    const latest = i === shown - 1 && newlyShown;
    const text = `${i + 1}. ${hint}`;
    lines.push(latest ? `  ${pc.cyan(text)}` : `  ${pc.dim(text)}`);
  });
  lines.push('');
  if (total === 0) {
    lines.push(zh ? '  这一课没有提示。' : '  This lesson has no hints.');
  } else if (shown < total) {
    lines.push(pc.dim(zh ? `  还有 ${total - shown} 条：需要下一条时${next}。` : `  ${total - shown} more: ${next} when you need the next one.`));
  } else if (zh) {
    lines.push(`  这是最后一条提示。还是卡住了？看看完整程序怎么跑：${pc.bold(`npm run play ${lesson.id} -- --solution`)}`);
    lines.push(`  或者读 solutions/${lessonFolder(lesson)}/ 里的参考答案（会剧透练习：先自己试试）。`);
  } else {
    lines.push(`  That was the last hint. Still stuck? See the finished program run: ${pc.bold(`npm run play ${lesson.id} -- --solution`)}`);
    lines.push(`  or read the reference solution in solutions/${lessonFolder(lesson)}/ (it spoils the exercise: try first).`);
  }
  return lines.join('\n');
}

function main(): void {
  speakLearnersLanguage();
  const { positionals, values } = parseArgs({ allowPositionals: true, options: { restart: { type: 'boolean' } } });
  const query = positionals[0] ?? readState().current;
  const lesson = query ? findLesson(query) : undefined;
  if (!lesson) {
    console.error(query
      ? t(`There is no lesson "${query}".\nLessons: ${lessonIdList()}`, `没有叫 "${query}" 的课。\n课程：${lessonIdList()}`)
      : t(`Which lesson? For example: npm run hint lesson-01\nLessons: ${lessonIdList()}`, `哪一课？例如：npm run hint lesson-01\n课程：${lessonIdList()}`));
    process.exit(2);
  }
  if (values.restart || process.env.npm_config_restart === 'true') {
    restartHints(lesson);
    console.log(t(`The hints of ${lesson.id} are hidden again. npm run hint ${lesson.id} shows the first one.`, `${lesson.id} 的提示又都藏起来了。npm run hint ${lesson.id} 会显示第一条。`));
    return;
  }
  const { shown, newlyShown } = revealNextHint(lesson);
  console.log(renderHints(lesson, shown, newlyShown));
}

if (isMain(import.meta.url)) main();
