export {
  type AppContext,
  type AppIo,
  createAppContext,
  type GlobalOptions,
  reportError,
  runAction,
} from './app.js';
