// npm run book                          renders the workbook into book/site/ (open book/site/index.html)
// npm run book -- --serve [--port N]    and serves it on 127.0.0.1 with live demos, rebuilding on change
// npm run book -- --out DIR             renders somewhere else
import { relative } from 'node:path';
import { parseArgs } from 'node:util';
import pc from 'picocolors';
import { buildBook, DEFAULT_OUT, type BuildResult } from './src/site.ts';

const { values } = parseArgs({
  options: {
    serve: { type: 'boolean' },
    port: { type: 'string' },
    out: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  console.log('npm run book [-- --serve [--port N]] [--out DIR]');
  process.exit(0);
}
const outDir = values.out ?? DEFAULT_OUT;

export function report(result: BuildResult): void {
  const lessonPages = result.pages.filter((p) => p.kind === 'lesson').length;
  for (const warning of result.warnings) console.log(pc.yellow(`  note: ${warning}`));
  for (const error of result.errors) console.error(pc.red(`  error: ${error}`));
  const where = relative(process.cwd(), result.outDir) || '.';
  const summary = `${lessonPages} lesson pages in 2 languages, ${result.pages.length} pages in all, ${result.search.docs.length} search entries`;
  if (result.errors.length) console.error(pc.red(`The book has ${result.errors.length} error(s) (${summary}).`));
  else console.log(`${pc.green('✓')} Book built in ${Math.round(result.ms)} ms: ${summary} → ${where}/index.html`);
}

const result = buildBook({ outDir });
report(result);

if (values.serve) {
  const { serveBook } = await import('./serve/server.ts');
  const port = values.port === undefined ? 4173 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`--port must be a whole number from 0 to 65535, not "${values.port}"`);
    process.exit(2);
  }
  try {
    const server = await serveBook({ outDir, port, watch: true, onRebuild: report });
    const stop = (): void => {
      void server.close().finally(() => process.exit(0));
      setTimeout(() => process.exit(0), 2000).unref();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    console.error(code === 'EADDRINUSE'
      ? `Port ${port} is already in use (is the book already served?). Try: npm run book -- --serve --port ${port + 1}`
      : `Cannot serve the book: ${(error as Error).message}`);
    process.exit(1);
  }
} else if (result.errors.length) {
  process.exitCode = 1;
}
