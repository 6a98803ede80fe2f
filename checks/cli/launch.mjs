// node checks/cli/launch.mjs <check|overview|watch|hint|reset> [args…]
// A faster way in for the commands that run checks: it starts the check runner's child process
// first, so vitest loads in it while this process loads TypeScript (tsx, in-process) and the
// command. `tsx checks/cli/check.ts` works the same, only later to start the child.
import { fileURLToPath } from 'node:url';
import { warmUp } from '../runner/spawn-child.mjs';

// true: start the check runner's child ahead of time. The overview mostly shows kept results, so it starts one only when a lesson changed.
const COMMANDS = { check: true, overview: false, watch: true, hint: false, reset: false };
const [command = '', ...args] = process.argv.slice(2);
if (!(command in COMMANDS)) {
  console.error(`Usage: node checks/cli/launch.mjs <${Object.keys(COMMANDS).join('|')}> [args…]`);
  process.exit(2);
}
if (COMMANDS[command]) warmUp();
const { register } = await import('tsx/esm/api');
register();
// The command sees itself as the program that was run (its isMain() check, its parseArgs()).
const entry = fileURLToPath(new URL(`./${command}.ts`, import.meta.url));
process.argv = [process.argv[0] ?? process.execPath, entry, ...args];
await import(entry);
