// npm run starters:save lesson-NN … — for maintainers, after changing a lesson's starter files.
import { parseArgs } from 'node:util';
import { findLesson, lessonIdList } from '../lessons.ts';
import { saveStarters, snapshotPath } from '../contract/starters.ts';

const { positionals } = parseArgs({ allowPositionals: true, options: {} });
if (positionals.length === 0) {
  console.error(`Name the lessons whose starters changed, e.g. npm run starters:save lesson-01\nLessons: ${lessonIdList()}`);
  process.exit(2);
}
for (const query of positionals) {
  const lesson = findLesson(query);
  if (!lesson) {
    console.error(`There is no lesson "${query}". Valid lessons: ${lessonIdList()}`);
    process.exit(2);
  }
  await saveStarters(lesson);
  console.log(`Saved ${lesson.files.join(', ')} of ${lesson.id} to ${snapshotPath(lesson)}`);
}
