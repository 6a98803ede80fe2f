// npm run play lesson-03 [--solution]
// Runs the lesson's server and client together and prints both sides' transcript as it happens.
import { parseArgs } from 'node:util';
import pc from 'picocolors';
import { findLesson, lessonIdList } from '../lessons.ts';
import { playLesson } from '../play/play-lesson.ts';
import { terminalTranscript } from '../play/terminal.ts';

const { positionals, values } = parseArgs({ allowPositionals: true, options: { solution: { type: 'boolean' } } });
const lesson = positionals[0] ? findLesson(positionals[0]) : undefined;
if (!lesson) {
  console.error(`${positionals[0] ? `There is no lesson "${positionals[0]}".` : 'Which lesson? For example: npm run play lesson-03'}\nLessons: ${lessonIdList()}`);
  process.exit(2);
}
console.log(pc.bold(`${lesson.id} · ${lesson.title}`) + pc.dim(values.solution ? '  (reference solution)' : '  (your files in lessons/)'));
const transcript = terminalTranscript();
try {
  await playLesson(lesson, { solution: values.solution ?? false, emit: transcript.emit });
  transcript.end();
} catch (error) {
  const err = error as Error;
  transcript.end();
  console.error(pc.red(err.name === 'TodoError' ? `Not done yet: ${err.message}` : `The play stopped: ${err.message}`));
  if (!values.solution) console.error(pc.dim(`Watch the finished version with: npm run play ${lesson.id} -- --solution`));
  process.exitCode = 1;
}
// A learner's leftover timer or socket must not keep the terminal waiting.
setTimeout(() => process.exit(), 200).unref();
