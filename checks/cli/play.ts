// npm run play lesson-03 [--solution]
// Runs the lesson's server and client together and prints both sides' transcript as it happens.
import { parseArgs } from 'node:util';
import pc from 'picocolors';
import { findLesson, lessonIdList } from '../lessons.ts';
import { playLesson } from '../play/play-lesson.ts';
import { terminalTranscript } from '../play/terminal.ts';
import { learnerFrames } from '../runner/format.ts';

const { positionals, values } = parseArgs({ allowPositionals: true, options: { solution: { type: 'boolean' } } });
const lesson = positionals[0] ? findLesson(positionals[0]) : undefined;
if (!lesson) {
  console.error(`${positionals[0] ? `There is no lesson "${positionals[0]}".` : 'Which lesson? For example: npm run play lesson-03'}\nLessons: ${lessonIdList()}`);
  process.exit(2);
}
console.log(pc.bold(`${lesson.id} · ${lesson.title}`) + pc.dim(values.solution ? '  (reference solution)' : '  (your files in lessons/)'));
const transcript = terminalTranscript();
const explainFailure = (error: unknown): void => {
  const err = error instanceof Error ? error : new Error(String(error));
  transcript.end();
  console.error(pc.red(err.name === 'TodoError' ? `Not done yet: ${err.message}` : `The play stopped: ${err.name}: ${err.message}`));
  const where = learnerFrames(err.stack)[0];
  if (where) console.error(pc.dim(`  ${where}`));
  if (!values.solution) console.error(pc.dim(`Watch the finished version with: npm run play ${lesson.id} -- --solution`));
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
