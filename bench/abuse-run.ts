// npm run bench:abuse [seconds] — each lesson server under a client that sends and never reads.
import { formatAbuse, runAbuse } from './abuse.ts';

const seconds = Number(process.argv[2] ?? 10);
console.log(`Abuse: each reference server, one client sending as fast as it can and never reading, ${seconds} s each.`);
const results = await runAbuse(seconds, undefined, (line) => console.log(`  · ${line}`));
console.log(`\n${formatAbuse(results)}\n`);
console.log('A server holds when its RSS growth stays small (at most 64 MiB) and others are still served.');
