// npm run play lesson-03 [--solution]
// Runs the lesson's server and client together and prints both sides' transcript as it happens.
import { parseArgs } from 'node:util';
import pc from 'picocolors';
import { findLesson, lessonIdList } from '../lessons.ts';
import { playLesson } from '../play/play-lesson.ts';
import { terminalTranscript } from '../play/terminal.ts';
import { learnerFrames } from '../runner/format.ts';
import { t } from '../runner/language.ts';
import { speakLearnersLanguage, titleOf } from './lang.ts';

speakLearnersLanguage();

const { positionals, values } = parseArgs({ allowPositionals: true, options: { solution: { type: 'boolean' } } });
const lesson = positionals[0] ? findLesson(positionals[0]) : undefined;
if (!lesson) {
  console.error(positionals[0]
    ? t(`There is no lesson "${positionals[0]}".\nLessons: ${lessonIdList()}`, `没有叫 "${positionals[0]}" 的课。\n课程：${lessonIdList()}`)
    : t(`Which lesson? For example: npm run play lesson-03\nLessons: ${lessonIdList()}`, `哪一课？例如：npm run play lesson-03\n课程：${lessonIdList()}`));
  process.exit(2);
}
console.log(pc.bold(`${lesson.id} · ${titleOf(lesson)}`) + pc.dim(values.solution ? t('  (reference solution)', '  （参考答案）') : t('  (your files in lessons/)', '  （你在 lessons/ 里的文件）')));
const transcript = terminalTranscript();
const explainFailure = (error: unknown): void => {
  const err = error instanceof Error ? error : new Error(String(error));
  transcript.end();
  console.error(pc.red(err.name === 'TodoError' ? t(`Not done yet: ${err.message}`, `还没完成：${err.message}`) : t(`The play stopped: ${err.name}: ${err.message}`, `演示中断了：${err.name}: ${err.message}`)));
  const where = learnerFrames(err.stack)[0];
  if (where) console.error(pc.dim(`  ${where}`));
  if (!values.solution) console.error(pc.dim(t(`Watch the finished version with: npm run play ${lesson.id} -- --solution`, `看看完成后的版本怎么运行：npm run play ${lesson.id} -- --solution`)));
  process.exit(1);
};
// Code under test that throws inside an event handler would crash with a raw stack; say it plainly.
process.on('uncaughtException', explainFailure);
process.on('unhandledRejection', explainFailure);
try {
  await playLesson(lesson, { solution: values.solution ?? false, emit: transcript.emit });
  transcript.end();
} catch (error) {
  explainFailure(error);
}
// A learner's leftover timer or socket must not keep the terminal waiting.
setTimeout(() => process.exit(), 200).unref();
