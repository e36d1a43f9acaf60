#!/usr/bin/env node
import module from 'node:module';
import { runBin } from '@reletan/cli-kit/bin';

// Node 22.1+ caches compiled code between runs (a no-op on Node 20, which lacks it).
(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();

// The AWS SDK warns on Node < 22 about its releases from 2027 on; reletan pins SDK releases that support
// Node 20, so in reletan's own process the notice is noise in every CI log. The SDK reads only this
// variable, so it is set once here, never per command (a user's own setting wins).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

void runBin({
  version: __RELETAN_VERSION__,
  loadProgram: () => import('./program.js').then((m) => m.createProgram()),
});
