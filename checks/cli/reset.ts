// npm run reset lesson-01 [-- --yes] — puts a lesson's starter files back, after asking.
// Restores only the files the learner edits (the lesson's `files`), from checks/starters/ (no git
// needed), and keeps a copy of the replaced files in .workbook/backups/ in case they were wanted.
// For maintainers and tests: `-- --dir <folder>` resets a copy of the lesson folder instead.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import pc from 'picocolors';
import { isMain } from '../../lib/program.ts';
import { lessonDir, ROOT, type Lesson } from '../lessons.ts';
import { readStarters } from '../contract/starters.ts';
import { displayPath } from '../runner/format.ts';
import { t } from '../runner/language.ts';
import { lessonFromArgs } from './check.ts';
import { speakLearnersLanguage, titleOf } from './lang.ts';

const BACKUPS_KEPT = 10;

export interface ResetPlan {
  dir: string;
  /** The learner files that differ from the starter (or are missing). */
  changed: string[];
  starters: Record<string, string>;
}

export async function planReset(lesson: Lesson, dir = lessonDir(lesson)): Promise<ResetPlan> {
  const starters = await readStarters(lesson);
  const changed = lesson.files.filter((file) => {
    const path = join(dir, file);
    return !existsSync(path) || readFileSync(path, 'utf8') !== starters[file];
  });
  return { dir, changed, starters };
}

/** Copies the changed files to .workbook/backups/<lesson>-<time>/ and writes the starters over them. */
export function applyReset(lesson: Lesson, plan: ResetPlan, backupsRoot = process.env.WORKBOOK_BACKUPS ?? join(ROOT, '.workbook', 'backups')): string | undefined {
  let backup: string | undefined;
  const existing = plan.changed.filter((file) => existsSync(join(plan.dir, file)));
  if (existing.length > 0) {
    backup = join(backupsRoot, `${lesson.id}-${new Date().toISOString().replace(/[:.]/g, '-')}`);
    mkdirSync(backup, { recursive: true });
    for (const file of existing) writeFileSync(join(backup, file), readFileSync(join(plan.dir, file)));
    pruneBackups(lesson, backupsRoot);
  }
  mkdirSync(plan.dir, { recursive: true });
  for (const file of plan.changed) writeFileSync(join(plan.dir, file), plan.starters[file] ?? '');
  return backup;
}

function pruneBackups(lesson: Lesson, backupsRoot: string): void {
  const mine = readdirSync(backupsRoot).filter((name) => name.startsWith(`${lesson.id}-`)).sort();
  for (const old of mine.slice(0, Math.max(0, mine.length - BACKUPS_KEPT))) rmSync(join(backupsRoot, old), { recursive: true, force: true });
}

async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    const answer = await rl.question(question);
    return /^(y(es)?|是|好|对)$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

async function main(): Promise<void> {
  speakLearnersLanguage();
  const { positionals, values } = parseArgs({ allowPositionals: true, options: { yes: { type: 'boolean', short: 'y' }, dir: { type: 'string' } } });
  const lesson = lessonFromArgs(positionals[0], 'reset');
  const dir = values.dir ? resolve(ROOT, values.dir) : lessonDir(lesson);
  // `npm run reset lesson-01 --yes` (without `--`) reaches us as npm's own "yes" setting.
  const yes = values.yes === true || process.env.npm_config_yes === 'true';
  const plan = await planReset(lesson, dir);
  const folder = displayPath(dir);
  if (plan.changed.length === 0) {
    const files = lesson.files.map((file) => `${folder}/${file}`);
    console.log(t(`${lesson.id}: ${files.join(', ')} already hold the starter code. Nothing to do.`, `${lesson.id}：${files.join('、')} 里已经是起始代码了，不用重置。`));
    return;
  }
  console.log(`${pc.bold(`${lesson.id} · ${titleOf(lesson)}`)}`);
  const replaced = plan.changed.map((file) => pc.bold(`${folder}/${file}`));
  console.log(t(`This puts the starter code back in ${replaced.join(', ')}.`, `这会把 ${replaced.join('、')} 恢复成起始代码。`));
  console.log(pc.dim(t('Other files and other lessons are not touched. A copy of the replaced files goes to .workbook/backups/.', '其他文件和其他课程都不受影响。被替换的文件会先备份到 .workbook/backups/。')));
  if (!yes) {
    if (!process.stdin.isTTY) {
      // Piped input (echo y | …) is not a person answering: never replace work on it.
      console.error(t(`Nothing changed: reset asks before it replaces your files, and it needs a terminal to ask in (its input is not one). To confirm without a prompt: npm run reset ${lesson.id} -- --yes`,
        `什么也没改：reset 替换你的文件之前要先问你，而提问需要一个终端（现在的输入不是终端）。不经询问直接确认：npm run reset ${lesson.id} -- --yes`));
      process.exitCode = 1;
      return;
    }
    if (!(await confirm(t('Replace your version with the starter? [y/N] ', '用起始代码替换你的版本吗？[y/N] ')))) {
      console.log(t('Nothing changed.', '什么也没改。'));
      return;
    }
  }
  const backup = applyReset(lesson, plan);
  console.log(pc.green(t(`Restored ${plan.changed.join(', ')} of ${lesson.id}.`, `已恢复 ${lesson.id} 的 ${plan.changed.join('、')}。`)) + (backup ? t(` Your previous version is in ${displayPath(backup)}/.`, `你之前的版本在 ${displayPath(backup)}/。`) : ''));
  console.log(t(`Start again with: npm run check ${lesson.id}`, `重新开始：npm run check ${lesson.id}`));
}

if (isMain(import.meta.url)) await main();
