// Syntax highlighting at build time. Only the languages the lessons use are loaded, which keeps
// the build's start-up fast (the full highlight.js bundle costs more than the whole build).
import hljs from 'highlight.js/lib/core';
import bash from 'highlight.js/lib/languages/bash';
import javascript from 'highlight.js/lib/languages/javascript';
import json from 'highlight.js/lib/languages/json';
import plaintext from 'highlight.js/lib/languages/plaintext';
import python from 'highlight.js/lib/languages/python';
import shell from 'highlight.js/lib/languages/shell';
import typescript from 'highlight.js/lib/languages/typescript';
import xml from 'highlight.js/lib/languages/xml';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { esc } from './html.ts';

hljs.registerLanguage('typescript', typescript);
hljs.registerLanguage('javascript', javascript);
hljs.registerLanguage('json', json);
hljs.registerLanguage('bash', bash);
hljs.registerLanguage('shell', shell);
hljs.registerLanguage('python', python);
hljs.registerLanguage('xml', xml);
hljs.registerLanguage('plaintext', plaintext);

const BY_EXTENSION: Record<string, string> = {
  ts: 'typescript', mts: 'typescript', cts: 'typescript', js: 'javascript', mjs: 'javascript', cjs: 'javascript',
  json: 'json', sh: 'bash', py: 'python', html: 'xml', svg: 'xml',
};

/** The highlight.js language for a fence's info string or a file name; undefined means plain text. */
export function languageFor(nameOrInfo: string): string | undefined {
  const word = nameOrInfo.trim().split(/\s+/)[0]?.toLowerCase() ?? '';
  const extension = /\.([a-z0-9]+)$/.exec(word)?.[1];
  const candidate = extension ? BY_EXTENSION[extension] : word;
  if (!candidate) return undefined;
  const definition = hljs.getLanguage(candidate);
  // Aliases (ts, sh, …) resolve to the registered name, so CSS classes are consistent.
  return definition ? hljs.listLanguages().find((name) => hljs.getLanguage(name) === definition) : undefined;
}

// The same file is shown on its lesson page and in the print view, in both languages; and most
// files do not change between builds. Highlighting is the build's most expensive step, so its
// results are kept in memory and, between builds, in node_modules/.cache (never committed).
const cache = new Map<string, string>();
const used = new Map<string, string>();
let diskLoaded = false;
let diskDirty = false;

const keyOf = (language: string, code: string): string => createHash('sha1').update(language).update('\0').update(code).digest('base64url');

/** Highlighted HTML for code; escaped plain text when the language is unknown. */
export function highlight(code: string, language: string | undefined): string {
  if (!language || language === 'plaintext') return esc(code);
  const key = keyOf(language, code);
  let html = used.get(key) ?? cache.get(key);
  if (html === undefined) {
    html = hljs.highlight(code, { language, ignoreIllegals: true }).value;
    diskDirty = true;
  }
  used.set(key, html);
  return html;
}

/** Loads highlighted code saved by an earlier build (a missing or stale file is ignored). */
export function loadHighlightCache(file: string): void {
  if (diskLoaded) return;
  diskLoaded = true;
  try {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { version?: string; entries?: Record<string, string> };
    if (saved.version !== hljs.versionString || !saved.entries) return;
    for (const [key, html] of Object.entries(saved.entries)) cache.set(key, html);
  } catch {
    // No cache yet: this build highlights everything.
  }
}

/** Saves what this build highlighted, and only that, so the file never grows without bound. */
export function saveHighlightCache(file: string): void {
  if (diskDirty || used.size !== cache.size) {
    try {
      mkdirSync(dirname(file), { recursive: true });
      // Written aside and renamed, so a build running at the same time never reads half a file.
      const next = `${file}.${process.pid}`;
      writeFileSync(next, JSON.stringify({ version: hljs.versionString, entries: Object.fromEntries(used) }));
      renameSync(next, file);
    } catch {
      // A read-only checkout still builds; it is only slower next time.
    }
  }
  cache.clear();
  for (const [key, html] of used) cache.set(key, html);
  used.clear();
  diskDirty = false;
}
