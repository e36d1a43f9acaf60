import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { AppContext } from '@reletan/cli-kit';
import { CONFIG_FILE_NAMES } from '@reletan/config';
import {
  type GitRunner,
  type Plan,
  parseRepositoryUrl,
  ReletanError,
  runPlan,
  writeFileAtomic,
} from '@reletan/core';

export interface InitOptions {
  format?: 'ts' | 'json';
  force?: boolean;
  dryRun?: boolean;
}

type FileAction = 'create' | 'overwrite' | 'append' | 'keep';

interface PlannedFile {
  file: string;
  action: FileAction;
  content: string;
  note?: string;
}

/** The lines `.gitignore` needs so secret layers and the built `.env` are never committed. */
const SECRET_IGNORES = ['.env', '.env.secret', '.env.*.secret'];

/**
 * `reletan init`: writes a starter config, `.env.example`, `.env.visible`, and `.gitignore` lines for
 * secret files. Never overwrites: an existing config is refused (unless `--force`); existing env files
 * are kept as they are. Everything is checked before anything is written.
 */
export async function init(context: AppContext, options: InitOptions): Promise<number> {
  const format = options.format ?? 'ts';
  const target = format === 'json' ? 'reletan.config.json' : 'reletan.config.ts';
  const plan: PlannedFile[] = [];

  const existing = [];
  for (const name of CONFIG_FILE_NAMES) if (await exists(path.join(context.cwd, name))) existing.push(name);
  const others = existing.filter((name) => name !== target);
  if (others.length > 0 || (existing.length > 0 && !options.force)) {
    throw new ReletanError({
      code: 'INIT_CONFIG_EXISTS',
      message: `refusing to overwrite: ${existing.join(', ')} already exists in ${context.cwd}`,
      input: { file: existing[0] ?? target },
      hint:
        others.length > 0
          ? `remove ${others.join(', ')} first, or run "reletan config check" to validate it`
          : `run "reletan config check" to validate it, or "reletan init --force" to replace it`,
    });
  }

  const facts = await readRepositoryFacts(context.git());
  plan.push({
    file: target,
    action: existing.includes(target) ? 'overwrite' : 'create',
    content: format === 'json' ? jsonConfig(facts) : tsConfig(facts),
  });
  for (const [file, content] of [
    ['.env.example', ENV_EXAMPLE],
    ['.env.visible', ENV_VISIBLE],
  ] as const) {
    const present = await exists(path.join(context.cwd, file));
    plan.push(
      present ? { file, action: 'keep', content: '', note: 'exists' } : { file, action: 'create', content },
    );
  }
  plan.push(await planGitignore(context.cwd));

  // Every file is checked above before any is written; a dry run describes the writes and does none.
  const writes: Plan = {
    steps: plan
      .filter((item) => item.action !== 'keep')
      .map((item) => ({
        id: `write:${item.file}`,
        describe: () => `${item.action === 'append' ? 'append to' : item.action} ${item.file}`,
        run: () => writeFileAtomic(path.join(context.cwd, item.file), item.content),
      })),
    done: plan
      .filter((item) => item.action === 'keep')
      .map((item) => `${item.file} ${item.note ?? 'exists'}`),
  };
  const report = await runPlan(writes, { services: {}, dryRun: options.dryRun });

  const verb = (action: FileAction) =>
    options.dryRun
      ? {
          create: 'would create',
          overwrite: 'would overwrite',
          append: 'would append to',
          keep: 'would keep',
        }[action]
      : { create: 'created', overwrite: 'overwrote', append: 'appended to', keep: 'kept' }[action];
  const lines = plan.map((item) => `${verb(item.action)} ${item.file}${item.note ? ` (${item.note})` : ''}`);
  if (!options.dryRun) lines.push('', `next: fill in ${target}, then run "reletan config check"`);
  context.logger.result(
    {
      dryRun: options.dryRun === true,
      files: plan.map(({ file, action, note }) => ({ file, action, ...(note ? { note } : {}) })),
      steps: report.steps,
    },
    lines.join('\n'),
  );
  return 0;
}

async function planGitignore(cwd: string): Promise<PlannedFile> {
  const file = '.gitignore';
  const current = await readFile(path.join(cwd, file), 'utf8').catch(() => undefined);
  const present = new Set((current ?? '').split(/\r?\n/).map((line) => line.trim()));
  const missing = SECRET_IGNORES.filter((line) => !present.has(line));
  if (current !== undefined && missing.length === 0)
    return { file, action: 'keep', content: '', note: 'already ignores secret files' };
  const block = `# reletan: secret env layers and the built .env are never committed\n${missing.join('\n')}\n`;
  if (current === undefined) return { file, action: 'create', content: block };
  const separator = current === '' || current.endsWith('\n') ? '' : '\n';
  return {
    file,
    action: 'append',
    content: `${current}${separator}${current === '' ? '' : '\n'}${block}`,
    note: missing.join(', '),
  };
}

interface RepositoryFacts {
  repository?: string;
  mainBranch: string;
}

/** What git already says about the project, so the starter config needs fewer edits. */
async function readRepositoryFacts(git: GitRunner): Promise<RepositoryFacts> {
  const ask = async (args: string[]) => {
    const result = await git.run(args, { allowFailure: true }).catch(() => undefined);
    return result?.exitCode === 0 ? result.stdout.trim() : undefined;
  };
  const remote = await ask(['remote', 'get-url', 'origin']);
  const parsed = remote ? parseRepositoryUrl(remote) : undefined;
  const hasMain = await ask(['rev-parse', '--verify', '-q', 'refs/heads/main']);
  const hasMaster = await ask(['rev-parse', '--verify', '-q', 'refs/heads/master']);
  return {
    ...(parsed ? { repository: `${parsed.owner}/${parsed.name}` } : {}),
    mainBranch: !hasMain && hasMaster ? 'master' : 'main',
  };
}

async function exists(file: string): Promise<boolean> {
  return readFile(file).then(
    () => true,
    (error: NodeJS.ErrnoException) => error.code === 'EISDIR',
  );
}

function tsConfig(facts: RepositoryFacts): string {
  return `import { defineConfig } from 'reletan';

// The reletan config. Every section is optional; "reletan config check" validates this file.
export default defineConfig({
  // git-flow's branch names and tag prefix (these values are git-flow's defaults).
  git: {
    mainBranch: '${facts.mainBranch}',
    developBranch: 'develop',
    releasePrefix: 'release/',
    hotfixPrefix: 'hotfix/',
    tagPrefix: 'v',
    remote: 'origin',
  },
  // The GitHub repository, "owner/name"${facts.repository ? ' (read from the origin remote)' : ''}.
  github: {
    ${facts.repository ? `repository: '${facts.repository}',` : `// repository: 'acme/shop',`}
  },
  // Each stage is one place the app runs. A stage may be empty: {}.
  stages: {
    // Deployed from the develop branch. Its .env is .env.visible + .env.dev.visible (committed)
    // plus .env.secret + .env.dev.secret (provided by CI, never committed).
    dev: { branch: 'develop' },
    // Deployed from release tags.
    prod: { tag: 'v*' },
  },
});
`;
}

function jsonConfig(facts: RepositoryFacts): string {
  return `{
  // The reletan config. Every section is optional; "reletan config check" validates this file.
  // Comments are allowed here, as in tsconfig.json.
  "$schema": "./node_modules/reletan/reletan.config.schema.json",
  // git-flow's branch names and tag prefix (these values are git-flow's defaults).
  "git": {
    "mainBranch": "${facts.mainBranch}",
    "developBranch": "develop",
    "releasePrefix": "release/",
    "hotfixPrefix": "hotfix/",
    "tagPrefix": "v",
    "remote": "origin"
  },
  // The GitHub repository, "owner/name"${facts.repository ? ' (read from the origin remote)' : ''}.
  "github": {
    ${facts.repository ? `"repository": "${facts.repository}"` : `// "repository": "acme/shop"`}
  },
  // Each stage is one place the app runs. A stage may be empty: {}.
  "stages": {
    // Deployed from the develop branch. Its .env is .env.visible + .env.dev.visible (committed)
    // plus .env.secret + .env.dev.secret (provided by CI, never committed).
    "dev": { "branch": "develop" },
    // Deployed from release tags.
    "prod": { "tag": "v*" }
  }
}
`;
}

const ENV_EXAMPLE = `# Every key the app needs, without values; every stage must set each one. A key whose line ends
# in "# optional" may be empty, but must still be set (Laravel's env('KEY', default) gives the default
# only for an absent key: an empty one is '').
APP_NAME=
APP_ENV=
APP_KEY=
APP_DEBUG=
APP_URL=
DB_HOST=
DB_DATABASE=
DB_USERNAME=
DB_PASSWORD=
# CACHE_PREFIX: "reletan env build" computes it for a stage with a cache section. List it here once
# every stage has one; until then a stage without one keeps Laravel's default prefix.
`;

const ENV_VISIBLE = `# Committed, non-secret values shared by every stage. Per-stage values go in .env.<stage>.visible.
# Secrets never go here: they come from .env.secret and .env.<stage>.secret, provided by CI.
APP_NAME=shop
APP_DEBUG=false
`;
