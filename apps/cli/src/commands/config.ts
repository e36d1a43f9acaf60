import type { AppContext } from '@reletan/cli-kit';
import { resolveStage } from '@reletan/config';
import { displayPath } from '@reletan/core';

/** `reletan config check`: a valid config prints a one-line summary; an invalid one throws (exit 2). */
export async function checkConfig(context: AppContext): Promise<number> {
  const { config, file } = await context.loadConfig({ required: true });
  const stages = Object.keys(config.stages);
  const shown = file ? displayPath(context.cwd, file) : '(defaults)';
  context.logger.result(
    { valid: true, file, stages },
    `✓ ${shown} is valid (${stages.length ? `stages: ${stages.join(', ')}` : 'no stages'})`,
  );
  return 0;
}

/** `reletan config print [--stage S]`: the config with defaults applied, credentials masked. */
export async function printConfig(context: AppContext, options: { stage?: string }): Promise<number> {
  const { config, file } = await context.loadConfig();
  let printed: object = config;
  if (options.stage !== undefined) {
    const { name, ...stage } = resolveStage(config, options.stage);
    printed = { ...config, stages: { [name]: stage } };
  }
  registerUrlCredentials(printed, (secret) => context.logger.secret(secret));
  context.logger.info(`# ${file ? displayPath(context.cwd, file) : 'no config file: defaults'}`);
  context.logger.result(printed, JSON.stringify(printed, null, 2));
  return 0;
}

/** Passwords and tokens embedded in URLs (`https://user:pass@host`) are secrets, wherever they appear. */
function registerUrlCredentials(value: unknown, register: (secret: string) => void): void {
  if (typeof value === 'string') {
    if (!value.includes('@') || !URL.canParse(value)) return;
    const url = new URL(value);
    if (url.password) {
      register(decodeURIComponent(url.password));
      register(url.password);
    } else if (url.username) {
      register(decodeURIComponent(url.username));
    }
    return;
  }
  if (value && typeof value === 'object') {
    for (const item of Object.values(value)) registerUrlCredentials(item, register);
  }
}
