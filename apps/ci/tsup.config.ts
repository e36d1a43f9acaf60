import { defineConfig } from 'tsup';
import { appBuild } from '../../scripts/tsup-app.js';

export default defineConfig(appBuild({ packageDir: new URL('./', import.meta.url) }));
