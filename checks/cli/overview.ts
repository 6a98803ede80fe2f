// npm start — every lesson with its state, progress, and the exact command for the next step.
// "Done" is worked out by running the checks (all lessons in one run), never from a saved flag.
import pc from 'picocolors';
import { isMain } from '../../lib/program.ts';
import { lessons } from '../lessons.ts';
import { displayPath } from '../runner/format.ts';
import { t } from '../runner/language.ts';
import { displayWidth } from '../wire.ts';
import { speakLearnersLanguage, titleOf } from './lang.ts';
import { lessonStatuses, nextLesson, type LessonStatus } from './progress.ts';

const MARKS: Record<LessonStatus['state'], string> = {
  done: pc.green('✓'),
  started: pc.yellow('◐'),
  'not-started': pc.dim('○'),
  broken: pc.red('✗'),
  stuck: pc.red('✗'),
  'no-checks': pc.dim('·'),
  missing: pc.dim('·'),
};

function describeState(status: LessonStatus): string {
  switch (status.state) {
    case 'done': return pc.green(t('done', '已完成'));
    case 'started': return pc.yellow(t(`${status.passedChecks} check${status.passedChecks === 1 ? '' : 's'} pass, next: "${status.reason ?? ''}"`, `已通过 ${status.passedChecks} 项，下一项：“${status.reason ?? ''}”`));
    case 'not-started': return pc.dim(t('not yet', '还没开始'));
    case 'broken': return pc.red(t(`does not load: ${status.reason ?? ''}`, `加载失败：${status.reason ?? ''}`));
    case 'stuck': return pc.red(t(`stopped: ${status.reason ?? ''}`, `被停止：${status.reason ?? ''}`));
    case 'no-checks': return pc.dim(t('no checks yet', '还没有检查'));
    case 'missing': return pc.dim(t('not published yet', '尚未发布'));
  }
}

export function progressBar(done: number, total: number, width = 24): string {
  const filled = total === 0 ? 0 : Math.round((done / total) * width);
  return `${pc.green('█'.repeat(filled))}${pc.dim('░'.repeat(width - filled))}`;
}

export function renderOverview(statuses: readonly LessonStatus[]): string {
  const lines: string[] = [];
  const titles = statuses.map((status) => titleOf(status.lesson));
  const titleWidth = Math.min(60, Math.max(...titles.map(displayWidth)));
  statuses.forEach((status, i) => {
    const full = titles[i] ?? '';
    const title = displayWidth(full) > titleWidth ? `${[...full].slice(0, titleWidth - 1).join('')}…` : `${full}${' '.repeat(titleWidth - displayWidth(full))}`;
    lines.push(`  ${MARKS[status.state]} ${pc.bold(status.lesson.id)}  ${status.state === 'missing' ? pc.dim(title) : title}  ${describeState(status)}`);
  });
  const available = statuses.filter((status) => status.state !== 'missing' && status.state !== 'no-checks');
  const done = available.filter((status) => status.state === 'done').length;
  lines.push('', `  ${progressBar(done, available.length)}  ${t(`${done} of ${available.length} lessons done`, `${available.length} 课已完成 ${done} 课`)}`, '');

  const next = nextLesson(statuses);
  if (!next) {
    lines.push(pc.green(available.length > 0 ? t('  Every published lesson is done. Well done!', '  已发布的课程全部完成了，干得漂亮！') : t('  No lessons are published yet.', '  还没有发布任何课程。')));
  } else {
    const folder = displayPath(next.dir);
    const files = next.lesson.files.map((file) => `${folder}/${file}`);
    const id = next.lesson.id;
    lines.push(t(`  Next: ${pc.bold(`${id} · ${titleOf(next.lesson)}`)}`, `  下一课：${pc.bold(`${id} · ${titleOf(next.lesson)}`)}`));
    lines.push(t(`    read   ${folder}/README.md`, `    阅读   ${folder}/README.zh-CN.md`));
    lines.push(t(`    edit   ${files.join(', ')}`, `    修改   ${files.join('、')}`));
    lines.push(t(`    check  ${pc.bold(`npm run check ${id}`)}`, `    检查   ${pc.bold(`npm run check ${id}`)}`));
    lines.push('', pc.dim(t(`  npm run watch ${id}  re-checks on every save · npm run hint ${id}  one hint at a time`, `  npm run watch ${id}  每次保存都重新检查 · npm run hint ${id}  每次一条提示`)));
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  speakLearnersLanguage();
  console.log(pc.bold(t('WebSocket & Streaming: a hands-on workbook', 'WebSocket 与流式传输：用 Node.js 和 ws 动手练习')));
  const spinner = process.stdout.isTTY ? setInterval(() => process.stdout.write(pc.dim('.')), 250) : undefined;
  if (spinner) process.stdout.write(pc.dim(t(`Checking ${lessons.length} lessons`, `正在检查 ${lessons.length} 课`)));
  const statuses = await lessonStatuses();
  if (spinner) {
    clearInterval(spinner);
    process.stdout.write('\r\x1b[2K');
  }
  console.log('');
  console.log(renderOverview(statuses));
}

if (isMain(import.meta.url)) await main();
