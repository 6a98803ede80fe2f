// Runs one lesson's play (server + client) in its own process for the book's live demo, and
// reports the transcript on fd 3. A learner's hanging or crashing code ends here, not in the
// book server; and this process ends with the book server, however that ends (protocol.ts).
// Usage (by the book server only): play-child.ts <lesson-id> learner|solution <limit-ms>
import { lessons } from '../../checks/lessons.ts';
import { playLesson } from '../../checks/play/play-lesson.ts';
import { describeError, endWithServer, tell } from './protocol.ts';

const [id, variant, limitArg] = process.argv.slice(2);
const limitMs = Math.min(Math.max(Number(limitArg) || 20_000, 1000), 120_000);
const lesson = lessons.find((l) => l.id === id);
// Even a learner's endless loop, which would stop the timer below, ends here.
endWithServer(limitMs + 3000);

const finish = (ok: boolean, message: string, code: number): never => {
  tell({ type: 'end', ok, message });
  process.exit(code);
};
// An error in a learner's event handler (a todo(...) in a 'message' listener, say) is thrown
// where nothing catches it; report it as the end of the demo.
process.on('uncaughtException', (error) => finish(false, describeError(error), 1));
process.on('unhandledRejection', (error) => finish(false, describeError(error), 1));
// However the play ends, this process does not outlive its time limit.
setTimeout(() => finish(false, `stopped after ${limitMs / 1000} s`, 3), limitMs + 1000).unref();

if (!lesson || (variant !== 'learner' && variant !== 'solution')) finish(false, 'unknown lesson or variant', 2);
try {
  await playLesson(lesson!, {
    solution: variant === 'solution',
    limitMs,
    emit: (event) => tell({ type: 'event', ...event }),
  });
  finish(true, 'finished', 0);
} catch (error) {
  finish(false, describeError(error), 1);
}
