// The markdown renderer: markdown-it with raw HTML disabled (the book only emits HTML it builds
// itself), plus the workbook's conventions: ':include' links, self-test reveals, ```sequence
// diagrams, GitHub-compatible heading anchors, and links rewritten from README paths to pages.
import { existsSync, statSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';
import MarkdownIt from 'markdown-it';
import type StateCore from 'markdown-it/lib/rules_core/state_core.mjs';
import type Token from 'markdown-it/lib/token.mjs';
import { highlight, languageFor } from './highlight.ts';
import { esc } from './html.ts';
import { IncludeError, readIncluded } from './include.ts';
import { renderSequence, SequenceSyntaxError } from './sequence.ts';
import { Slugger } from './slug.ts';
import { STRINGS, type Lang, type Strings } from './i18n.ts';

export interface Heading {
  level: number;
  id: string;
  text: string;
  html: string;
  /** A self-test question (shown as a reveal, not in the table of contents). */
  question?: boolean;
}

/** A link to check once every page is rendered. */
export interface LinkRef {
  /** The page (output file name) the link points to; '' for this page. */
  page: string;
  anchor: string | undefined;
  from: string;
  /** The link as written in the markdown. */
  href: string;
}

export interface RenderEnv {
  root: string;
  /** The markdown file being rendered. */
  source: string;
  lang: Lang;
  t: Strings;
  /** Maps an absolute path to a lesson README (or lesson folder) to its page, or undefined. */
  pageFor(path: string, lang: Lang): string | undefined;
  /** Registers a repository file that is linked (not included) and returns its source page. */
  filePage(path: string): string;
  /** Registers an image and returns its path in the site. */
  media(path: string): string;
  /** In the one-page print view every id gets this prefix, and page links become anchors. */
  anchorPrefix: string;
  print: boolean;
  /** HTML inserted before the self-test section (the live demo panel). */
  beforeSelfTest?: { id: string; text: string; html: string };
  // Filled in while rendering:
  headings: Heading[];
  includes: string[];
  links: LinkRef[];
  errors: string[];
  /** Text per section, for the search index. */
  sections: { id: string; heading: string; text: string[] }[];
}

const SELF_TEST = /^(self[- ]?test|自测|自我测试)/i;
const cache = new Map<string, string>();

/** Clears the file cache (the dev server rebuilds after a file changes). */
export function clearIncludeCache(): void {
  cache.clear();
}

export function createMarkdown(): MarkdownIt {
  const md = new MarkdownIt({ html: false, linkify: false, typographer: false });
  cjkFriendlyEmphasis(md);
  // The workbook's rules need a RenderEnv; plain md.render(text) gets markdown-it's behaviour.
  const withEnv = (rule: (state: StateCore) => void) => (state: StateCore): void => {
    if ((state.env as Partial<RenderEnv> | undefined)?.errors) rule(state);
  };
  md.core.ruler.before('block', 'wb_answer_numbers', withEnv((state) => (state.src = escapeAnswerNumbers(state.src))));
  md.core.ruler.push('wb_includes', withEnv((state) => includeRule(state.tokens, state.env as RenderEnv)));
  md.core.ruler.push('wb_links', withEnv((state) => linkRule(state.tokens, state.env as RenderEnv)));
  md.core.ruler.push('wb_headings', withEnv((state) => headingRule(md, state)));
  md.core.ruler.push('wb_selftest', withEnv((state) => selfTestRule(md, state)));
  md.core.ruler.push('wb_search', withEnv((state) => searchRule(state.tokens, state.env as RenderEnv)));
  md.core.ruler.push('wb_align', (state) => alignRule(state.tokens));

  md.renderer.rules.fence = (tokens, idx, _options, env: RenderEnv | undefined) => renderFence(tokens[idx]!, env);
  md.renderer.rules.code_block = (tokens, idx, _options, env: RenderEnv | undefined) => codeBlock(tokens[idx]!.content, undefined, env?.t);
  // A README's line breaks inside a Chinese paragraph would show as stray spaces between
  // characters; drop them where both neighbours are wide (CJK) characters.
  md.renderer.rules.softbreak = (tokens, idx, options) => (wideJoin(tokens, idx) ? '' : options.breaks ? '<br>\n' : '\n');
  md.renderer.rules.table_open = () => '<div class="table-wrap"><table>\n';
  md.renderer.rules.table_close = () => '</table></div>\n';
  const headingOpen = md.renderer.rules.heading_open;
  md.renderer.rules.heading_open = (tokens, idx, options, env, self) => {
    const token = tokens[idx]!;
    const open = headingOpen ? headingOpen(tokens, idx, options, env, self) : self.renderToken(tokens, idx, options);
    const id = token.attrGet('id');
    return token.tag !== 'h1' && id ? `${open}<a class="anchor" href="#${esc(id)}" aria-hidden="true" tabindex="-1">#</a>` : open;
  };
  return md;
}

/**
 * CommonMark will not close `**` after punctuation when a letter follows, so the common Chinese
 * `**指数退避（full jitter）**重连` stays unbolded (GitHub shows the asterisks too). Chinese text has
 * no spaces around emphasis, so here full-width punctuation next to a delimiter counts as a letter.
 */
function cjkFriendlyEmphasis(md: MarkdownIt): void {
  const { isMdAsciiPunct, isPunctChar, isWhiteSpace } = md.utils;
  const cjkPunct = (code: number): boolean => (code >= 0x3000 && code <= 0x303f) || (code >= 0xff00 && code <= 0xffef) || (code >= 0xfe30 && code <= 0xfe4f);
  const cjk = (code: number): boolean => (code >= 0x2e80 && code <= 0x9fff) || (code >= 0xac00 && code <= 0xd7af) || (code >= 0xf900 && code <= 0xfaff);
  // Punctuation counts as a letter if it is full-width, or if a CJK character is on the other side.
  const punct = (code: number, other: number): boolean =>
    !cjkPunct(code) && !cjk(other) && !cjkPunct(other) && (isMdAsciiPunct(code) || isPunctChar(String.fromCharCode(code)));
  const Base = md.inline.State;
  md.inline.State = class extends Base {
    override scanDelims(start: number, canSplitWord: boolean): { can_open: boolean; can_close: boolean; length: number } {
      const marker = this.src.charCodeAt(start);
      const lastChar = start > 0 ? this.src.charCodeAt(start - 1) : 0x20;
      let pos = start;
      while (pos < this.posMax && this.src.charCodeAt(pos) === marker) pos++;
      const nextChar = pos < this.posMax ? this.src.charCodeAt(pos) : 0x20;
      const lastPunct = punct(lastChar, nextChar);
      const nextPunct = punct(nextChar, lastChar);
      const lastSpace = isWhiteSpace(lastChar);
      const nextSpace = isWhiteSpace(nextChar);
      const left = !nextSpace && (!nextPunct || lastSpace || lastPunct);
      const right = !lastSpace && (!lastPunct || nextSpace || nextPunct);
      return {
        can_open: left && (canSplitWord || !right || lastPunct),
        can_close: right && (canSplitWord || !left || nextPunct),
        length: pos - start,
      };
    }
  };
}

function inlineText(children: Token[] | null): string {
  const list = children ?? [];
  return list.map((child, i) => (child.type === 'text' || child.type === 'code_inline' ? child.content : child.type === 'softbreak' ? (wideJoin(list, i) ? '' : ' ') : '')).join('');
}

const WIDE = /[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua960-\ua97f\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/;

/** True when the soft break at `idx` sits between two wide characters (in text, not code). */
function wideJoin(tokens: Token[], idx: number): boolean {
  const near = (step: -1 | 1): string | undefined => {
    for (let i = idx + step; i >= 0 && i < tokens.length; i += step) {
      const token = tokens[i]!;
      if (token.type === 'text' && token.content !== '') return step < 0 ? token.content.at(-1) : token.content[0];
      if (token.type === 'text') continue;
      if (token.type !== 'strong_open' && token.type !== 'strong_close' && token.type !== 'em_open' && token.type !== 'em_close' &&
        token.type !== 'link_open' && token.type !== 'link_close') return undefined;
    }
    return undefined;
  };
  const before = near(-1);
  const after = near(1);
  return !!before && !!after && WIDE.test(before) && WIDE.test(after);
}

const repoPath = (env: RenderEnv, path: string): string => relative(env.root, path).split(sep).join('/');
const inside = (root: string, path: string): boolean => path === root || path.startsWith(root + sep);

// ---- includes ---------------------------------------------------------------------------

function includeRule(tokens: Token[], env: RenderEnv): void {
  for (let i = 0; i < tokens.length; i++) {
    const inline = tokens[i]!;
    if (inline.type !== 'inline' || !inline.children?.some(isIncludeOpen)) continue;
    const children = inline.children;
    const blocks: string[] = [];
    let alone = tokens[i - 1]?.type === 'paragraph_open' && tokens[i + 1]?.type === 'paragraph_close';
    for (let c = 0; c < children.length && alone; c++) {
      const child = children[c]!;
      if (child.type === 'softbreak' || (child.type === 'text' && child.content.trim() === '')) continue;
      if (!isIncludeOpen(child)) {
        alone = false;
        break;
      }
      const close = children.findIndex((t, k) => k > c && t.type === 'link_close');
      blocks.push(renderInclude(child.attrGet('href') ?? '', inlineText(children.slice(c + 1, close)), env));
      c = close;
    }
    if (!alone) {
      env.errors.push(`${repoPath(env, env.source)}: put each ':include' link in a paragraph of its own (line ${(inline.map?.[0] ?? 0) + 1}).`);
      continue;
    }
    const block = tokens[i - 1]!;
    block.type = 'html_block';
    block.tag = '';
    block.nesting = 0;
    block.content = blocks.join('\n');
    block.meta = { include: true };
    tokens.splice(i, 2);
  }
}

const isIncludeOpen = (token: Token): boolean => token.type === 'link_open' && token.attrGet('title') === ':include';

function renderInclude(href: string, label: string, env: RenderEnv): string {
  const [rawPath = '', region] = href.split('#');
  const file = resolve(dirname(env.source), decodeURIComponent(rawPath));
  const shown = repoPath(env, file);
  if (!inside(env.root, file)) {
    env.errors.push(`${repoPath(env, env.source)}: the include "${href}" points outside the repository.`);
    return '';
  }
  let code: string;
  try {
    code = readIncluded(file, region, cache);
  } catch (error) {
    if (!(error instanceof IncludeError)) throw error;
    env.errors.push(`${repoPath(env, env.source)}: cannot include "${href}": ${error.message} (${shown}).`);
    return '';
  }
  env.includes.push(file);
  const language = languageFor(file);
  const solution = inside(resolve(env.root, 'solutions'), file);
  const name = shown.split('/').pop() ?? shown;
  const figure =
    `<figure class="code-file${solution ? ' is-solution' : ''}" data-path="${esc(shown)}">` +
    `<figcaption><span class="file-name">${esc(name)}</span>` +
    `<span class="file-path">${esc(shown)}${region ? ` <span class="region">#${esc(region)}</span>` : ''}</span>` +
    `<button class="copy" type="button" data-copied="${esc(env.t.copied)}">${esc(env.t.copy)}</button></figcaption>` +
    `<pre><code class="hljs language-${language ?? 'text'}">${highlight(code, language)}</code></pre></figure>`;
  if (!solution) return figure;
  return `<details class="solution"${env.print ? ' open' : ''}><summary>${esc(env.t.showSolution)}: <code>${esc(label || name)}</code></summary>${figure}</details>`;
}

// ---- links -------------------------------------------------------------------------------

function linkRule(tokens: Token[], env: RenderEnv): void {
  for (const token of tokens) {
    for (const child of token.children ?? []) {
      if (child.type === 'link_open') rewriteLink(child, env);
      if (child.type === 'image') rewriteImage(child, env);
    }
  }
}

function rewriteLink(token: Token, env: RenderEnv): void {
  const href = token.attrGet('href') ?? '';
  const from = repoPath(env, env.source);
  if (href.startsWith('#')) {
    const anchor = decodeURIComponent(href.slice(1));
    token.attrSet('href', `#${env.anchorPrefix}${anchor}`);
    env.links.push({ page: '', anchor: env.anchorPrefix + anchor, from, href });
    return;
  }
  if (/^[a-z][a-z0-9+.-]*:/i.test(href) || href.startsWith('//')) {
    if (/^https?:/i.test(href) || href.startsWith('//')) {
      token.attrSet('target', '_blank');
      token.attrSet('rel', 'noopener noreferrer');
      token.attrJoin('class', 'external');
    }
    return;
  }
  const [rawPath = '', hash] = href.split('#');
  const path = rawPath.startsWith('/') ? resolve(env.root, `.${decodeURIComponent(rawPath)}`) : resolve(dirname(env.source), decodeURIComponent(rawPath));
  if (!inside(env.root, path)) {
    env.errors.push(`${from}: the link "${href}" points outside the repository.`);
    return;
  }
  // A lesson README links to the page in the reader's language, unless it names a heading of
  // the other language's README: then the anchor decides.
  const fileLang: Lang = /README\.zh-CN\.md$/i.test(path) ? 'zh-CN' : 'en';
  const targetLang = hash && /README(\.zh-CN)?\.md$/i.test(path) ? fileLang : env.lang;
  const page = env.pageFor(path, targetLang);
  if (page) {
    const anchor = hash ? decodeURIComponent(hash) : undefined;
    if (env.print) {
      const prefix = page.replace(/(\.zh-CN)?\.html$/, '--');
      token.attrSet('href', `#${anchor ? prefix + anchor : prefix.slice(0, -2)}`);
      env.links.push({ page: '', anchor: anchor ? prefix + anchor : prefix.slice(0, -2), from, href });
    } else {
      token.attrSet('href', `${page}${anchor ? `#${encodeURIComponent(anchor)}` : ''}`);
      env.links.push({ page, anchor, from, href });
    }
    return;
  }
  if (!existsSync(path)) {
    env.errors.push(`${from}: the link "${href}" points to ${repoPath(env, path) || '.'}, which does not exist.`);
    return;
  }
  if (statSync(path).isDirectory()) {
    // A folder has no page of its own; keep the text and drop the link.
    token.attrSet('href', '');
    token.attrJoin('class', 'folder-link');
    return;
  }
  token.attrSet('href', env.filePage(path));
  token.attrJoin('class', 'file-link');
}

function rewriteImage(token: Token, env: RenderEnv): void {
  const src = token.attrGet('src') ?? '';
  if (/^[a-z][a-z0-9+.-]*:/i.test(src) || src.startsWith('//')) {
    env.errors.push(`${repoPath(env, env.source)}: the image "${src}" would be loaded from the network; put the file beside the README.`);
    return;
  }
  const path = resolve(dirname(env.source), decodeURIComponent(src.split('#')[0] ?? ''));
  if (!inside(env.root, path) || !existsSync(path)) {
    env.errors.push(`${repoPath(env, env.source)}: the image "${src}" does not exist.`);
    return;
  }
  token.attrSet('src', env.media(path));
  token.attrSet('loading', 'lazy');
}

// ---- headings, the self-test, the demo panel ------------------------------------------------

function headingRule(md: MarkdownIt, state: StateCore): void {
  const { tokens } = state;
  const env = state.env as RenderEnv;
  const slugger = new Slugger();
  const demoId = env.beforeSelfTest ? slugger.slug(env.beforeSelfTest.id) : undefined;
  let selfTest = false;
  let demoPlaced = false;
  const placeDemo = (at: number): number => {
    if (!env.beforeSelfTest || demoPlaced) return 0;
    demoPlaced = true;
    const token = new state.Token('html_block', '', 0);
    token.content = env.beforeSelfTest.html;
    tokens.splice(at, 0, token);
    env.headings.push({ level: 2, id: env.anchorPrefix + demoId!, text: env.beforeSelfTest.text, html: esc(env.beforeSelfTest.text) });
    return 1;
  };
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token.type !== 'heading_open') continue;
    const inline = tokens[i + 1]!;
    const text = inlineText(inline.children);
    const level = Number(token.tag.slice(1));
    if (level <= 2) selfTest = level === 2 && SELF_TEST.test(text.trim());
    if (selfTest && level === 2) i += placeDemo(i);
    const id = env.anchorPrefix + slugger.slug(text);
    token.attrSet('id', id);
    const html = md.renderer.renderInline(inline.children ?? [], md.options, env);
    env.headings.push({ level, id, text, html, question: selfTest && level === 3 });
    token.meta = { selfTest: selfTest && level === 2, question: selfTest && level === 3 };
  }
  placeDemo(tokens.length);
}

/**
 * A self-test answer that starts with a number and a period ("1006. `terminate()` …") would be
 * an ordered list starting at 1006; it is an answer, so escape the period and keep it as text.
 * Only the answer's first line: lists further down stay lists. Works on the source, line for
 * line, so line numbers in error messages stay right.
 */
export function escapeAnswerNumbers(src: string): string {
  const lines = src.split('\n');
  let inSelfTest = false;
  let awaitingAnswer = false;
  let fence: string | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const marker = /^ {0,3}(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence) {
      if (marker && marker[0] === fence[0] && marker.length >= fence.length && line.trim() === marker) fence = undefined;
      continue;
    }
    if (marker) {
      fence = marker;
      awaitingAnswer = false;
      continue;
    }
    const heading = /^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading) {
      const level = heading[1]!.length;
      if (level <= 2) inSelfTest = level === 2 && SELF_TEST.test(heading[2]!);
      awaitingAnswer = inSelfTest && level === 3;
      continue;
    }
    if (!awaitingAnswer || line.trim() === '') continue;
    awaitingAnswer = false;
    lines[i] = line.replace(/^( {0,3}\d{1,9})([.)])(?=\s|$)/, '$1\\$2');
  }
  return lines.join('\n');
}

function selfTestRule(md: MarkdownIt, state: StateCore): void {
  const { tokens } = state;
  const env = state.env as RenderEnv;
  const out: Token[] = [];
  let inSection = false;
  let open = false;
  let number = 0;
  const html = (content: string, meta?: unknown): Token => {
    const token = new state.Token('html_block', '', 0);
    token.content = content;
    token.meta = meta;
    return token;
  };
  const closeQuestion = (): void => {
    if (open) out.push(html('</div></details>\n'));
    open = false;
  };
  const closeSection = (): void => {
    closeQuestion();
    if (inSection) out.push(html('</div>\n'));
    inSection = false;
  };
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token.type === 'heading_open' && (token.tag === 'h1' || token.tag === 'h2')) {
      closeSection();
      if ((token.meta as { selfTest?: boolean } | null)?.selfTest) {
        out.push(token, tokens[i + 1]!, tokens[i + 2]!);
        out.push(html(`<div class="self-test"><p class="self-test-tools"><button type="button" class="reveal-all" aria-expanded="false" data-show="${esc(env.t.showAllAnswers)}" data-hide="${esc(env.t.hideAllAnswers)}">${esc(env.t.showAllAnswers)}</button></p>\n`));
        inSection = true;
        i += 2;
        continue;
      }
    }
    if (inSection && token.type === 'heading_open' && token.tag === 'h3') {
      closeQuestion();
      const id = token.attrGet('id') ?? '';
      const inline = tokens[i + 1]!;
      const question = md.renderer.renderInline(inline.children ?? [], md.options, env);
      number++;
      out.push(html(
        `<details class="qa" id="${esc(id)}"${env.print ? ' open' : ''}><summary><span class="qa-n">${esc(env.t.question)} ${number}</span>` +
        `<span class="qa-q">${question}</span><span class="qa-show">${esc(env.t.showAnswer)}</span></summary><div class="qa-a">\n`,
        { question: { id, text: inlineText(inline.children) } },
      ));
      open = true;
      i += 2;
      continue;
    }
    out.push(token);
  }
  closeSection();
  tokens.splice(0, tokens.length, ...out);
}

// ---- table alignment ---------------------------------------------------------------------

/**
 * markdown-it writes a column's alignment (`|---:|`) as `style="text-align:right"`; the served
 * book's Content-Security-Policy (`style-src 'self'`) blocks style attributes, so write it as a
 * class (`align-right`, styled in book.css) instead.
 */
function alignRule(tokens: Token[]): void {
  for (const [i, token] of tokens.entries()) {
    if (token.type !== 'th_open' && token.type !== 'td_open') continue;
    // An empty header cell (a table's corner) heads nothing: a plain cell, not an unnamed header.
    if (token.type === 'th_open' && tokens[i + 1]?.type === 'inline' && tokens[i + 1]!.content.trim() === '' && tokens[i + 2]?.type === 'th_close') {
      token.tag = 'td';
      tokens[i + 2]!.tag = 'td';
    }
    const style = token.attrGet('style');
    if (style === null) continue;
    const align = /^text-align:(left|center|right)$/.exec(style)?.[1];
    token.attrs = (token.attrs ?? []).filter(([name]) => name !== 'style');
    if (align) token.attrJoin('class', `align-${align}`);
  }
}

// ---- search text ---------------------------------------------------------------------------

function searchRule(tokens: Token[], env: RenderEnv): void {
  let section: RenderEnv['sections'][number] = { id: '', heading: '', text: [] };
  env.sections.push(section);
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    const question = (token.meta as { question?: { id: string; text: string } } | null)?.question;
    if (token.type === 'heading_open' && !question) {
      const text = inlineText(tokens[i + 1]!.children);
      section = { id: token.tag === 'h1' ? '' : token.attrGet('id') ?? '', heading: token.tag === 'h1' ? '' : text, text: [] };
      env.sections.push(section);
      i += 2;
    } else if (token.type === 'html_block' && question) {
      section = { id: question.id, heading: question.text, text: [] };
      env.sections.push(section);
    } else if (token.type === 'inline') {
      section.text.push(inlineText(token.children));
    } else if (token.type === 'fence' && token.info.trim() !== 'sequence') {
      section.text.push(token.content);
    }
  }
}

// ---- code ---------------------------------------------------------------------------------

function renderFence(token: Token, env: RenderEnv | undefined): string {
  const info = token.info.trim();
  if (info === 'sequence') {
    try {
      return `<figure class="sequence">${renderSequence(token.content)}</figure>\n`;
    } catch (error) {
      if (!(error instanceof SequenceSyntaxError) || !env?.errors) throw error;
      const line = (token.map?.[0] ?? 0) + 1 + error.line;
      env.errors.push(`${repoPath(env, env.source)}: the sequence diagram has a mistake on line ${line}: ${error.message.replace(/^line \d+: /, '')}`);
      return '';
    }
  }
  return codeBlock(token.content, languageFor(info), env?.t);
}

function codeBlock(code: string, language: string | undefined, t: Strings = STRINGS.en): string {
  const text = code.replace(/\n$/, '');
  return `<div class="code-block"><button class="copy" type="button" data-copied="${esc(t.copied)}">${esc(t.copy)}</button>` +
    `<pre><code class="hljs language-${language ?? 'text'}">${highlight(text, language)}</code></pre></div>\n`;
}
