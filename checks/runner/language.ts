// The language of everything the learner reads in the terminal: English, or Chinese for the
// readers of the Python tutorial this course grew from.
//
// Words for the learner are written as t(english, chinese): both languages side by side, and the
// result is a `Text`, the type every failure field, wait description and check name requires. A
// plain string where a `Text` is wanted is a type error, so a message without its Chinese does not
// compile (the suite type-checks the project).
//
// Which language: the CLI decides (checks/cli/lang.ts: `npm run lang`, else a Chinese LANG, else
// English) and calls useLanguage(); the check runner passes it to vitest's workers as
// WORKBOOK_LANG, read here once when a worker loads this file. Anything else (tests, the
// contract, `npm run mutate`) speaks English unless WORKBOOK_LANG=zh-CN says otherwise.

export type Language = 'en' | 'zh-CN';

declare const TEXT: unique symbol;

/** Words for the learner, already in the learner's language: made by t(en, zh). */
export type Text = string & { readonly [TEXT]: true };

export function languageFromEnv(env: NodeJS.ProcessEnv = process.env): Language {
  return env.WORKBOOK_LANG === 'zh-CN' ? 'zh-CN' : 'en';
}

let language: Language = languageFromEnv();

/** Switches what t() returns from now on (the CLI, once it knows the learner's choice; tests). */
export function useLanguage(next: Language): void {
  language = next;
}

export function activeLanguage(): Language {
  return language;
}

/** The same words in English and in Chinese; returns the ones for the active language. */
export function t(en: string, zh: string): Text {
  return (language === 'zh-CN' ? zh : en) as Text;
}

/** Text that reads the same in every language: data, code, numbers (never words). */
export function verbatim(text: string): Text {
  return text as Text;
}

/**
 * What the harness's learner-facing parameters take (failure fields, waits, labels, check names):
 * a `Text`, so a plain string there (words without their Chinese) is a type error.
 */
export type Words = Text;

/** A failed check, in words: what was expected, what happened, where to look. Each field is t(english, chinese). */
export interface FailureReport {
  expected: Words;
  actual: Words;
  hint: Words;
}

/** The three labels of a failure message (format.ts colours the lines they start, in either language). */
export function failureLabels(): { expected: Text; actual: Text; hint: Text } {
  return { expected: t('Expected ', '期望：'), actual: t('Got ', '实际：'), hint: t('Hint: ', '提示：') };
}

export function failureMessage({ expected, actual, hint }: FailureReport): string {
  const label = failureLabels();
  return `${label.expected}${expected}\n${label.actual}${actual}\n${label.hint}${hint}`;
}
