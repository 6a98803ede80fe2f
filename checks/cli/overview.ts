// npm start — every lesson with its state, progress, and the exact command for the next step.
// "Done" is worked out by running the checks (all lessons in one run), never from a saved flag.
import pc from 'picocolors';
import { isMain } from '../../lib/program.ts';
import { lessons } from '../lessons.ts';
import { displayPath } from '../runner/format.ts';
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
    case 'done': return pc.green('done');
    case 'started': return pc.yellow(`${status.passedChecks} check${status.passedChecks === 1 ? '' : 's'} pass, next: "${status.reason ?? ''}"`);
    case 'not-started': return pc.dim('not yet');
    case 'broken': return pc.red(`does not load: ${status.reason ?? ''}`);
    case 'stuck': return pc.red(`stopped: ${status.reason ?? ''}`);
    case 'no-checks': return pc.dim('no checks yet');
    case 'missing': return pc.dim('not published yet');
  }
}

export function progressBar(done: number, total: number, width = 24): string {
  const filled = total === 0 ? 0 : Math.round((done / total) * width);
  return `${pc.green('█'.repeat(filled))}${pc.dim('░'.repeat(width - filled))}`;
}

export function renderOverview(statuses: readonly LessonStatus[]): string {
  const lines: string[] = [];
  const titleWidth = Math.min(60, Math.max(...statuses.map((status) => status.lesson.title.length)));
  for (const status of statuses) {
    const title = status.lesson.title.length > titleWidth ? `${status.lesson.title.slice(0, titleWidth - 1)}…` : status.lesson.title.padEnd(titleWidth);
    lines.push(`  ${MARKS[status.state]} ${pc.bold(status.lesson.id)}  ${status.state === 'missing' ? pc.dim(title) : title}  ${describeState(status)}`);
  }
  const available = statuses.filter((status) => status.state !== 'missing' && status.state !== 'no-checks');
  const done = available.filter((status) => status.state === 'done').length;
  lines.push('', `  ${progressBar(done, available.length)}  ${done} of ${available.length} lessons done`, '');

  const next = nextLesson(statuses);
  if (!next) {
    lines.push(pc.green(available.length > 0 ? '  Every published lesson is done. Well done!' : '  No lessons are published yet.'));
  } else {
    const folder = displayPath(next.dir);
    lines.push(`  Next: ${pc.bold(`${next.lesson.id} · ${next.lesson.title}`)}`);
    lines.push(`    read   ${folder}/README.md`);
    lines.push(`    edit   ${next.lesson.files.map((file) => `${folder}/${file}`).join(', ')}`);
    lines.push(`    check  ${pc.bold(`npm run check ${next.lesson.id}`)}`);
    lines.push('', pc.dim(`  npm run watch ${next.lesson.id}  re-checks on every save · npm run hint ${next.lesson.id}  one hint at a time`));
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  console.log(pc.bold('WebSocket & Streaming: a hands-on workbook'));
  const spinner = process.stdout.isTTY ? setInterval(() => process.stdout.write(pc.dim('.')), 250) : undefined;
  if (spinner) process.stdout.write(pc.dim(`Checking ${lessons.length} lessons`));
  const statuses = await lessonStatuses();
  if (spinner) {
    clearInterval(spinner);
    process.stdout.write('\r\x1b[2K');
  }
  console.log('');
  console.log(renderOverview(statuses));
}

if (isMain(import.meta.url)) await main();
