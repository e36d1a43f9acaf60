#!/usr/bin/env node
import path from 'node:path';
import { runBin } from '@reletan/cli-kit/bin';

void runBin({
  version: __RELETAN_VERSION__,
  rootHelpFile: path.join(__dirname, 'help.txt'),
  loadProgram: (argv) => import('./program.js').then((m) => m.createProgram(argv)),
});
