// The learner's language for what the terminal says: English, or Chinese for the readers of the
// Python tutorial this course grew from. Chosen by `npm run lang zh-CN` (remembered in
// .workbook/state.json), else by WORKBOOK_LANG, else by the system's LANG / LC_ALL / LC_MESSAGES.
import { isMain } from '../../lib/program.ts';
import { readState, updateState } from './state.ts';

export type Language = 'en' | 'zh-CN';

export function currentLanguage(env: NodeJS.ProcessEnv = process.env): Language {
  const chosen = env.WORKBOOK_LANG ?? readState().lang;
  if (chosen === 'en' || chosen === 'zh-CN') return chosen;
  const system = env.LC_ALL || env.LC_MESSAGES || env.LANG || '';
  return /^zh/i.test(system) ? 'zh-CN' : 'en';
}

function main(): void {
  const wanted = process.argv[2];
  if (wanted !== 'en' && wanted !== 'zh-CN') {
    console.log(`Language: ${currentLanguage()}. Choose with: npm run lang en  |  npm run lang zh-CN`);
    console.log(`当前语言：${currentLanguage()}。切换：npm run lang zh-CN（中文）或 npm run lang en（英文）`);
    return;
  }
  updateState((state) => { state.lang = wanted; });
  console.log(wanted === 'zh-CN' ? '好的：提示将用中文显示（npm run lang en 切回英文）。' : 'Hints are now shown in English (npm run lang zh-CN for Chinese).');
}

if (isMain(import.meta.url)) main();
