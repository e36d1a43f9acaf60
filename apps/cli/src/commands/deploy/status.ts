import type { AppContext } from '@reletan/cli-kit';
import { readStageStatus } from '@reletan/eb-deployer';

/** `reletan status STAGE`: each environment's version, status, health and instances. */
export async function status(context: AppContext, stage: string): Promise<number> {
  const loaded = await context.loadConfig({ required: true });
  const result = await readStageStatus({ config: loaded.config, stage, aws: context.aws() });
  const rows = result.environments.map((environment) => [
    environment.name,
    environment.role,
    environment.versionLabel ?? '-',
    environment.status,
    `${environment.health}${environment.healthStatus ? ` (${environment.healthStatus})` : ''}`,
    environment.instances === undefined
      ? 'basic health'
      : `${environment.instances.filter((instance) => instance.versionLabel === environment.versionLabel).length}/${environment.instances.length} on it`,
  ]);
  const headers = ['environment', 'role', 'version', 'status', 'health', 'instances'];
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd();
  context.logger.result(
    result,
    [`stage ${stage}: ${result.application} in ${result.region}`, line(headers), ...rows.map(line)].join(
      '\n',
    ),
  );
  return 0;
}
