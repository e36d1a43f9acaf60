#!/usr/bin/env node
import module from 'node:module';
import { runBin } from '@reletan/cli-kit/bin';

// Node 22.1+ caches compiled code between runs (a no-op on Node 20, which lacks it).
(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();

void runBin({
  version: __RELETAN_VERSION__,
  loadProgram: () => import('./program.js').then((m) => m.createProgram()),
});
