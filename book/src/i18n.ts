// The book's own words, in both languages. Lesson text comes from the READMEs.
export type Lang = 'en' | 'zh-CN';
export const LANGS: readonly Lang[] = ['en', 'zh-CN'];

/** Lesson numbers are written like the ids and the READMEs' titles: 01, 02 … */
const twoDigits = (n: number): string => String(n).padStart(2, '0');

export interface Strings {
  langName: string;
  bookTitle: string;
  bookSubtitle: string;
  lessonN: (n: number) => string;
  lessons: string;
  onThisPage: string;
  previous: string;
  next: string;
  search: string;
  searchPlaceholder: string;
  searchHint: string;
  searchEmpty: string;
  searchLoading: string;
  themeToggle: string;
  printBook: string;
  menu: string;
  copy: string;
  copied: string;
  showSolution: string;
  question: string;
  showAnswer: string;
  showAllAnswers: string;
  hideAllAnswers: string;
  progress: (done: number | string, total: number | string) => string;
  /** The progress bar's name. */
  progressName: string;
  /** Under a lesson: how it counts as done (its checks pass), and that it is. */
  checkToFinish: (id: string) => string;
  lessonPassed: (id: string) => string;
  searchClose: string;
  searchResults: string;
  searchCount: (n: number) => string;
  /** Said after a lesson's title in the list when its checks pass. */
  doneMark: string;
  continueWith: string;
  startCourse: string;
  fallbackNotice: (other: string) => string;
  missingNotice: string;
  keyboard: string;
  keys: string;
  demoTitle: string;
  demoIntro: string;
  demoOffline: string;
  demoRunMine: string;
  demoRunSolution: string;
  demoStop: string;
  demoRunning: string;
  demoDisconnected: string;
  echoTitle: string;
  echoIntro: string;
  echoStartMine: string;
  echoStartSolution: string;
  echoSend: string;
  echoPlaceholder: string;
  echoDisconnect: string;
  printTitle: string;
  printIntro: string;
  printNow: string;
  sourceOf: string;
  linkedFrom: string;
  notFoundTitle: string;
  notFoundText: string;
  notFoundHome: string;
  backToBook: string;
  landingIntro: string;
  landingHow: string;
  landingSteps: string[];
  landingLessons: string;
}

export const STRINGS: Record<Lang, Strings> = {
  en: {
    langName: 'English',
    bookTitle: 'WebSocket & Streaming',
    bookSubtitle: 'A hands-on workbook with Node.js and ws',
    lessonN: (n) => `Lesson ${twoDigits(n)}`,
    lessons: 'Lessons',
    onThisPage: 'On this page',
    previous: 'Previous',
    next: 'Next',
    search: 'Search',
    searchPlaceholder: 'Search the book (English or 中文)',
    searchHint: '↑ ↓ to choose, Enter to open, Esc to close',
    searchEmpty: 'Nothing found.',
    searchLoading: 'Loading the index…',
    themeToggle: 'Switch between light and dark',
    printBook: 'The whole book on one page, for printing',
    menu: 'Lessons',
    copy: 'Copy',
    copied: 'Copied',
    showSolution: 'Show the reference solution',
    question: 'Question',
    showAnswer: 'Show the answer',
    showAllAnswers: 'Show all answers',
    hideAllAnswers: 'Hide all answers',
    progress: (done, total) => `${done} of ${total} lessons done`,
    progressName: 'Lessons whose checks pass',
    checkToFinish: (id) => `This lesson is done when \`npm run check ${id}\` passes with your files.`,
    lessonPassed: (id) => `✓ Done: \`npm run check ${id}\` passes with your files.`,
    searchClose: 'Close the search',
    searchResults: 'Results',
    searchCount: (n) => (n === 1 ? '1 result' : `${n} results`),
    doneMark: 'done',
    continueWith: 'Continue',
    startCourse: 'Start with lesson 01',
    fallbackNotice: (other) => `This lesson has not been translated into English yet; the ${other} text is shown.`,
    missingNotice: 'This lesson is still being written.',
    keyboard: 'Keys',
    keys: '← → previous / next lesson · / search · t theme',
    demoTitle: 'Run it live',
    demoIntro: "Runs this lesson's server and client together on your machine and streams both sides' transcript here as it happens.",
    demoOffline: 'Live demos need the book served from your machine: run `npm run book -- --serve` and open the address it prints. In a terminal, `npm run play {id}` does the same.',
    demoRunMine: 'Run your files',
    demoRunSolution: 'Run the reference solution',
    demoStop: 'Stop',
    demoRunning: 'Running…',
    demoDisconnected: 'the connection to the book server closed',
    echoTitle: 'Talk to the echo server from this page',
    echoIntro: "Starts lesson 01's server on 127.0.0.1 and connects this page to it with the browser's own WebSocket.",
    echoStartMine: 'Start your server',
    echoStartSolution: 'Start the reference server',
    echoSend: 'Send',
    echoPlaceholder: 'Type a message',
    echoDisconnect: 'Stop the server',
    printTitle: 'The whole book',
    printIntro: 'Every lesson on one page, with answers and solutions shown. Use your browser’s print command.',
    printNow: 'Print',
    sourceOf: 'Source file',
    linkedFrom: 'Linked from:',
    notFoundTitle: 'Page not found',
    notFoundText: 'The book has no page at this address. The lessons are in the list on the left, or search with /.',
    notFoundHome: 'Go to the start of the book',
    backToBook: 'Back to the book',
    landingIntro: 'Learn WebSocket and streaming by building real network programs in TypeScript with the ws library. Each lesson explains one idea, gives you starter files to finish, and checks your work by starting your server and client for real on 127.0.0.1.',
    landingHow: 'How a lesson works',
    landingSteps: [
      'Read the lesson here (or its `README.md` in `lessons/`).',
      'Fill in the starter files: every `todo(...)` marks a step.',
      'Run `npm run check lesson-NN` until every check passes; `npm run play lesson-NN` shows both sides talking.',
      'Answer the self-test questions, then compare with the reference solution.',
    ],
    landingLessons: 'The lessons',
  },
  'zh-CN': {
    langName: '中文',
    bookTitle: 'WebSocket 与流式传输',
    bookSubtitle: '用 Node.js 和 ws 动手练习',
    lessonN: (n) => `第 ${twoDigits(n)} 课`,
    lessons: '课程',
    onThisPage: '本页目录',
    previous: '上一课',
    next: '下一课',
    search: '搜索',
    searchPlaceholder: '搜索全书（中文或 English）',
    searchHint: '↑ ↓ 选择，回车打开，Esc 关闭',
    searchEmpty: '没有找到。',
    searchLoading: '正在加载索引…',
    themeToggle: '切换浅色 / 深色',
    printBook: '整本书排在一页里，方便打印',
    menu: '课程',
    copy: '复制',
    copied: '已复制',
    showSolution: '查看参考答案',
    question: '问题',
    showAnswer: '查看答案',
    showAllAnswers: '展开全部答案',
    hideAllAnswers: '收起全部答案',
    progress: (done, total) => `已完成 ${done} / ${total} 课`,
    progressName: '检查已通过的课程',
    checkToFinish: (id) => `\`npm run check ${id}\` 用你的代码全部通过，这一课就算完成。`,
    lessonPassed: (id) => `✓ 已完成：你的代码通过了 \`npm run check ${id}\`。`,
    searchClose: '关闭搜索',
    searchResults: '搜索结果',
    searchCount: (n) => `${n} 条结果`,
    doneMark: '已完成',
    continueWith: '继续学习',
    startCourse: '从第 01 课开始',
    fallbackNotice: (other) => `本课还没有中文版，下面显示的是${other}原文。`,
    missingNotice: '这一课还在编写中。',
    keyboard: '快捷键',
    keys: '← → 上一课 / 下一课 · / 搜索 · t 切换主题',
    demoTitle: '现场运行',
    demoIntro: '在你的电脑上同时运行本课的服务器和客户端，双方的输出会实时流到这里。',
    demoOffline: '现场运行需要在本机启动本书的服务：运行 `npm run book -- --serve`，然后打开它打印的地址。在终端里运行 `npm run play {id}` 也能看到同样的过程。',
    demoRunMine: '运行你的代码',
    demoRunSolution: '运行参考答案',
    demoStop: '停止',
    demoRunning: '运行中…',
    demoDisconnected: '与本书服务器的连接已断开',
    echoTitle: '在本页直接和回显服务器对话',
    echoIntro: '在 127.0.0.1 上启动第 01 课的服务器，本页用浏览器自带的 WebSocket 连上它。',
    echoStartMine: '启动你的服务器',
    echoStartSolution: '启动参考服务器',
    echoSend: '发送',
    echoPlaceholder: '输入一条消息',
    echoDisconnect: '停止服务器',
    printTitle: '全书',
    printIntro: '所有课程排在一页里，答案和参考代码都已展开。用浏览器的打印功能即可。',
    printNow: '打印',
    sourceOf: '源文件',
    linkedFrom: '出自：',
    notFoundTitle: '找不到这个页面',
    notFoundText: '本书在这个地址没有页面。课程列在左侧，也可以按 / 搜索。',
    notFoundHome: '回到本书首页',
    backToBook: '返回本书',
    landingIntro: '用 TypeScript 和 ws 库编写真实的网络程序，学会 WebSocket 与流式传输。每一课讲清一个概念，给你待完成的起始代码，并在 127.0.0.1 上真正启动你的服务器和客户端来检查结果。',
    landingHow: '每一课怎么学',
    landingSteps: [
      '在这里阅读课程（或 `lessons/` 里的 `README.zh-CN.md`）。',
      '补全起始代码：每个 `todo(...)` 标出一个步骤。',
      '运行 `npm run check lesson-NN`，直到所有检查通过；`npm run play lesson-NN` 可以看到双方的对话。',
      '回答自测题，再对照参考答案。',
    ],
    landingLessons: '课程列表',
  },
};
