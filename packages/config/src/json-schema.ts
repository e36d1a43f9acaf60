import { z } from 'zod';
import { configSchema } from './schema.js';

/**
 * The JSON Schema of `reletan.config.json`, generated from the zod schema so the two cannot disagree.
 * Cross-field rules (`after` targets, cycles, unique names) are not expressible in JSON Schema; the
 * loader checks them.
 */
export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(configSchema, { io: 'input', target: 'draft-7', unrepresentable: 'any' });
  return { ...schema, title: 'reletan config', $id: 'https://reletan.dev/reletan.config.schema.json' };
}
