// Writes reletan.config.schema.json from the zod schema in the build, so editors complete
// reletan.config.json through its "$schema" key. A test fails when the committed file is stale.
import { writeFileSync } from 'node:fs';
import { configJsonSchema } from '../dist/index.js';

const target = new URL('../reletan.config.schema.json', import.meta.url);
writeFileSync(target, `${JSON.stringify(configJsonSchema(), null, 2)}\n`);
