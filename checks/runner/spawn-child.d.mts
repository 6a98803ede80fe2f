// Types for spawn-child.mjs (plain JavaScript so that launch.mjs can use it before TypeScript loads).
import type { ChildProcess } from 'node:child_process';

export function spawnCheckChild(): ChildProcess;
export function warmUp(): void;
export function takeWarmChild(): ChildProcess | undefined;
