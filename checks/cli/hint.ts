// npm run hint lesson-01 — reveals the lesson's hints one at a time, gentlest first, and shows the
// ones already seen. Without a lesson: the lesson last checked. Progress is kept in
// .workbook/state.json; `-- --restart` hides them again.
import { parseArgs } from 'node:util';
import pc from 'picocolors';
import { isMain } from '../../lib/program.ts';
import { findLesson, lessonFolder, lessonIdList, type Lesson } from '../lessons.ts';
import { readState, updateState } from './state.ts';

/** Reveals the next hint of `lesson` (if any is left) and returns how many are revealed now. */
export function revealNextHint(lesson: Lesson): { shown: number; total: number; newlyShown: boolean } {
  const total = lesson.hints.length;
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

/** The revealed hints, the newest one highlighted, and what to do next. */
export function renderHints(lesson: Lesson, shown: number, newlyShown: boolean, again = `run npm run hint ${lesson.id} again`): string {
  const total = lesson.hints.length;
  const lines = [pc.bold(`${lesson.id} · ${lesson.title}`) + pc.dim(`  hint ${shown} of ${total}`), ''];
  lesson.hints.slice(0, shown).forEach((hint, i) => {
    const latest = i === shown - 1 && newlyShown;
    const text = `${i + 1}. ${hint}`;
    lines.push(latest ? `  ${pc.cyan(text)}` : `  ${pc.dim(text)}`);
  });
  lines.push('');
  if (total === 0) {
    lines.push('  This lesson has no hints.');
  } else if (shown < total) {
    lines.push(pc.dim(`  ${total - shown} more: ${again} when you need the next one.`));
  } else {
    lines.push(`  That was the last hint. Still stuck? See the finished program run: ${pc.bold(`npm run play ${lesson.id} -- --solution`)}`);
    lines.push(`  or read the reference solution in solutions/${lessonFolder(lesson)}/ (it spoils the exercise: try first).`);
  }
  return lines.join('\n');
}

function main(): void {
  const { positionals, values } = parseArgs({ allowPositionals: true, options: { restart: { type: 'boolean' } } });
  const query = positionals[0] ?? readState().current;
  const lesson = query ? findLesson(query) : undefined;
  if (!lesson) {
    console.error(`${query ? `There is no lesson "${query}".` : 'Which lesson? For example: npm run hint lesson-01'}\nLessons: ${lessonIdList()}`);
    process.exit(2);
  }
  if (values.restart || process.env.npm_config_restart === 'true') {
    restartHints(lesson);
    console.log(`The hints of ${lesson.id} are hidden again. npm run hint ${lesson.id} shows the first one.`);
    return;
  }
  const { shown, newlyShown } = revealNextHint(lesson);
  console.log(renderHints(lesson, shown, newlyShown));
}

if (isMain(import.meta.url)) main();
