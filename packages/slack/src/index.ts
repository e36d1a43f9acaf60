export {
  createSlackNotifier,
  type SlackMessage,
  type SlackNotifier,
  type SlackNotifierOptions,
} from './notifier.js';
