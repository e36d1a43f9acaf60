// Loaded with `node --import` by the start-up tests: records every module URL the process resolves
// into the file named by RELETAN_IMPORT_LOG, so a test can assert what `--help` did not load.
import { register } from 'node:module';

register(
  `data:text/javascript,${encodeURIComponent(`
import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  appendFileSync(${JSON.stringify(process.env.RELETAN_IMPORT_LOG)}, result.url + '\\n');
  return result;
}`)}`,
);
