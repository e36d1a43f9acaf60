import path from 'node:path';
import type { AppContext } from '@reletan/cli-kit';
import { displayPath, resolveReleaseIdentity } from '@reletan/core';
import { buildStageBundle, requireElasticBeanstalk, versionLabel } from '@reletan/eb-deployer';

/**
 * `reletan bundle STAGE [--out FILE]`: the source bundle a deploy would ship (the committed tree, the
 * stage's `.env`, the generated hooks), deterministic, mode 0600. Nothing of its contents is printed.
 */
export async function bundle(
  context: AppContext,
  stage: string,
  options: { out?: string; release?: string },
): Promise<number> {
  const loaded = await context.loadConfig({ required: true });
  const deploy = requireElasticBeanstalk(loaded.config, stage);
  const git = context.git(loaded.root);
  const release = await resolveReleaseIdentity({
    git,
    tagPrefix: loaded.config.git.tagPrefix,
    ...(options.release === undefined ? {} : { given: options.release }),
  });
  const built = await buildStageBundle({
    config: loaded.config,
    root: loaded.root,
    stage,
    release,
    git,
    hooks: deploy.hooks,
    cacheDir: path.join(loaded.root, '.reletan', 'bundles'),
    ...(options.out === undefined ? {} : { out: path.resolve(context.cwd, options.out) }),
    aws: context.aws(),
    env: context.env,
    logger: context.logger,
    signal: context.signal,
  });
  const label = versionLabel({ application: deploy.application, release, bundleSha256: built.sha256 });
  const shown = displayPath(context.cwd, built.file);
  context.logger.result(
    {
      stage,
      label,
      file: built.file,
      sha256: built.sha256,
      bytes: built.bytes,
      entries: built.entries,
      cached: built.cached,
      source: built.source,
      envKeys: built.envKeys,
    },
    [
      `${built.cached ? 'reused' : 'built'} ${shown} (${built.entries} files, ${(built.bytes / 1_048_576).toFixed(1)} MB, mode 0600)`,
      `  label   ${label}`,
      `  sha256  ${built.sha256}`,
      `  from    ${built.source === 'git' ? `the commit ${built.commit?.slice(0, 12)} (git archive)` : 'the working tree minus .ebignore'}, with the .env of stage ${stage} (${built.envKeys} keys)`,
    ].join('\n'),
  );
  return 0;
}
