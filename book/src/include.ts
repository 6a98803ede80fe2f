// Code in the book comes from the lessons' real files: `[server.ts](./server.ts ':include')` shows
// the whole file, `[the loop](./server.ts#stream ':include')` the region marked
// `// #region stream` … `// #endregion`. A file or region that does not exist is a build error.
import { existsSync, readFileSync, statSync } from 'node:fs';

export class IncludeError extends Error {}

const REGION_START = /^\s*(?:\/\/|#|\/\*|<!--)\s*#?region\b\s*([\w.-]*)/;
const REGION_END = /^\s*(?:\/\/|#|\/\*|<!--)\s*#?endregion\b/;

/** The text to show for a file, or for one named region of it. Marker lines are left out. */
export function readIncluded(file: string, region: string | undefined, cache?: Map<string, string>): string {
  let text = cache?.get(file);
  if (text === undefined) {
    if (!existsSync(file) || !statSync(file).isFile()) throw new IncludeError('the file does not exist');
    text = readFileSync(file, 'utf8');
    cache?.set(file, text);
  }
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  if (!region) return trimBlank(lines.filter((line) => !REGION_START.test(line) && !REGION_END.test(line))).join('\n');

  const start = lines.findIndex((line) => REGION_START.exec(line)?.[1] === region);
  if (start < 0) {
    const names = lines.map((line) => REGION_START.exec(line)?.[1]).filter(Boolean);
    throw new IncludeError(`there is no "// #region ${region}" in the file${names.length ? ` (its regions: ${names.join(', ')})` : ''}`);
  }
  const body: string[] = [];
  let depth = 1;
  for (const line of lines.slice(start + 1)) {
    if (REGION_START.test(line)) {
      depth++;
      continue;
    }
    if (REGION_END.test(line)) {
      if (--depth === 0) return dedent(trimBlank(body)).join('\n');
      continue;
    }
    body.push(line);
  }
  throw new IncludeError(`the region "${region}" has no matching "// #endregion"`);
}

function trimBlank(lines: string[]): string[] {
  let from = 0;
  let to = lines.length;
  while (from < to && lines[from]!.trim() === '') from++;
  while (to > from && lines[to - 1]!.trim() === '') to--;
  return lines.slice(from, to);
}

function dedent(lines: string[]): string[] {
  const indents = lines.filter((line) => line.trim() !== '').map((line) => /^[ \t]*/.exec(line)![0].length);
  const cut = indents.length ? Math.min(...indents) : 0;
  return lines.map((line) => line.slice(Math.min(cut, /^[ \t]*/.exec(line)![0].length)));
}
