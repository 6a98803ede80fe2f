// npm run lang zh-CN | en — the learner's language for everything the terminal says: the CLI's
// words, the overview, hints, and the checks' messages and names. English, or Chinese for the
// readers of the Python tutorial this course grew from.
// The rule: an explicit choice (`npm run lang`, remembered in .workbook/state.json; or
// WORKBOOK_LANG, which tests and maintainers set) wins; else the system's LC_ALL / LC_MESSAGES /
// LANG (zh_CN.UTF-8 and any other zh… means Chinese); else English.
import { isMain } from '../../lib/program.ts';
import type { Lesson } from '../lessons.ts';
import { t, useLanguage, type Language, type Text } from '../runner/language.ts';
import { readState, updateState } from './state.ts';

export type { Language } from '../runner/language.ts';

/** `zh-CN`, `zh`, `zh_CN`, `cn`, `chinese` … → zh-CN; `en`, `english` … → en; anything else: undefined. */
export function parseLanguage(value: string | undefined): Language | undefined {
  const name = (value ?? '').trim().toLowerCase().replace('_', '-');
  if (/^(zh|cn|chinese|中文)(-.*)?$/.test(name)) return 'zh-CN';
  if (/^(en|english|英文)(-.*)?$/.test(name)) return 'en';
  return undefined;
}

export function currentLanguage(env: NodeJS.ProcessEnv = process.env): Language {
  const chosen = env.WORKBOOK_LANG ?? readState().lang;
  if (chosen === 'en' || chosen === 'zh-CN') return chosen;
  const system = env.LC_ALL || env.LC_MESSAGES || env.LANG || '';
  return /^zh/i.test(system) ? 'zh-CN' : 'en';
}

/** For the commands' main(): everything printed from now on is in the learner's language. */
export function speakLearnersLanguage(): Language {
  const language = currentLanguage();
  useLanguage(language);
  return language;
}

/** A lesson's title in the active language. */
export function titleOf(lesson: Lesson): Text {
  return t(lesson.title, lesson.titleZh);
}

function main(): void {
  const wanted = parseLanguage(process.argv[2]);
  if (!wanted) {
    const now = currentLanguage();
    console.log(`Language: ${now}. Choose with: npm run lang en  |  npm run lang zh-CN`);
    console.log(`当前语言：${now}。切换：npm run lang zh-CN（中文）或 npm run lang en（英文）`);
    if (process.argv[2]) process.exitCode = 2;
    return;
  }
  updateState((state) => { state.lang = wanted; });
  console.log(wanted === 'zh-CN'
    ? '好了：从现在起，检查结果、提示、总览和命令的输出都用中文显示（npm run lang en 切回英文）。'
    : 'Done: check results, hints, the overview and every command now speak English (npm run lang zh-CN for Chinese).');
}

if (isMain(import.meta.url)) main();
