#!/usr/bin/env node
import { runBin } from '@reletan/core/cli-kit';

await runBin({
  version: __RELETAN_VERSION__,
  loadProgram: () => import('./program.js').then((m) => m.createProgram()),
});
