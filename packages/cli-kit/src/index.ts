export {
  type AppContext,
  type AppIo,
  createAppContext,
  type GlobalOptions,
  type RunActionOptions,
  reportError,
  runAction,
} from './app.js';
export { createHintRenderer, type Invocation } from './hint-renderer.js';
export { INTERRUPT_GRACE_MS, onInterrupt } from './interrupt.js';
export { ENV_FORMATS } from './options.js';
export { parseTimeout } from './parse-options.js';
