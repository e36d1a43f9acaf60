// `pnpm bench`: runs every benchmark in bench/ (or the ones named: `pnpm bench startup`).
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const wanted = process.argv.slice(2);
const all = readdirSync(here)
  .filter((file) => file.endsWith('.mjs') && !['run.mjs', 'lib.mjs'].includes(file))
  .map((file) => file.replace(/\.mjs$/, ''));
let failed = false;
for (const name of wanted.length ? wanted : all) {
  if (!all.includes(name)) throw new Error(`no benchmark "${name}" (have: ${all.join(', ')})`);
  const result = spawnSync(process.execPath, [`${here}${name}.mjs`], { stdio: 'inherit' });
  failed ||= result.status !== 0;
}
process.exitCode = failed ? 1 : 0;
