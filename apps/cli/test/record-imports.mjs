// Loaded with `node --import` by the start-up tests: records every module the process loads, through
// require (the CommonJS bin) and import (the ESM command modules), into the file named by
// RELETAN_IMPORT_LOG, so a test can assert what `--help` did not load.
import { appendFileSync } from 'node:fs';
import Module, { register } from 'node:module';

const log = process.env.RELETAN_IMPORT_LOG;

const load = Module._load;
Module._load = function recordingLoad(request, parent, isMain) {
  const loaded = load.call(this, request, parent, isMain);
  try {
    appendFileSync(log, `${Module._resolveFilename(request, parent, isMain)}\n`);
  } catch {
    appendFileSync(log, `${request}\n`);
  }
  return loaded;
};

register(
  `data:text/javascript,${encodeURIComponent(`
import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  appendFileSync(${JSON.stringify(log)}, result.url + '\\n');
  return result;
}`)}`,
);
