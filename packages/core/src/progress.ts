/** What a running plan reports about its steps; the logger renders these (see `Logger.step`). */
export type StepEvent =
  | { type: 'started'; stepId: string; description: string; at: number }
  | { type: 'progress'; stepId: string; description: string; message: string; at: number }
  | { type: 'finished'; stepId: string; description: string; durationMs: number }
  | { type: 'failed'; stepId: string; description: string; durationMs: number; error: unknown }
  | { type: 'skipped'; stepId: string; description: string; reason: string };

/** `850ms`, `4.2s`, `3m05s`: short enough for a task list, exact enough for a CI log. */
export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)}s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.floor((ms % 60_000) / 1_000);
  return `${minutes}m${String(seconds).padStart(2, '0')}s`;
}

interface Running {
  description: string;
  startedAt: number;
  message: string | undefined;
}

export interface TaskListOptions {
  /** Writes to the terminal (already redacted by the caller). */
  write(text: string): void;
  now(): number;
  /** Colours and symbols. */
  style: {
    done(text: string): string;
    failed(text: string): string;
    running(text: string): string;
    dim(text: string): string;
  };
}

/**
 * A live task list for a terminal: finished steps stay printed, one line each with its duration; the
 * steps still running are redrawn below them with their elapsed time and latest progress message.
 * Several steps may run at once (environments deployed in parallel).
 */
export class TaskList {
  readonly #options: TaskListOptions;
  readonly #running = new Map<string, Running>();
  /** Lines of the running block currently on screen (to erase before the next draw). */
  #drawn = 0;

  constructor(options: TaskListOptions) {
    this.#options = options;
  }

  get active(): boolean {
    return this.#running.size > 0;
  }

  handle(event: StepEvent): void {
    const { style } = this.#options;
    switch (event.type) {
      case 'started':
        this.#running.set(event.stepId, {
          description: event.description,
          startedAt: event.at,
          message: undefined,
        });
        this.redraw();
        return;
      case 'progress': {
        const running = this.#running.get(event.stepId);
        if (running) running.message = event.message;
        this.redraw();
        return;
      }
      case 'finished':
        this.#settle(
          event.stepId,
          `${style.done('✓')} ${event.description} ${style.dim(formatDuration(event.durationMs))}`,
        );
        return;
      case 'failed':
        this.#settle(
          event.stepId,
          `${style.failed('✗')} ${event.description} ${style.dim(formatDuration(event.durationMs))}`,
        );
        return;
      case 'skipped':
        this.#settle(event.stepId, `${style.dim(`- ${event.description} (${event.reason})`)}`);
        return;
    }
  }

  /** Erases the running block, so other output can be written in its place; the next event redraws it. */
  clear(): void {
    if (this.#drawn === 0) return;
    // Up to the first line of the block, then erase everything below the cursor.
    this.#options.write(`\r${this.#drawn > 1 ? `\x1b[${this.#drawn - 1}A` : ''}\x1b[0J`);
    this.#drawn = 0;
  }

  /** Draws the running steps (with their elapsed time) below the finished ones. */
  redraw(): void {
    this.clear();
    if (this.#running.size === 0) return;
    const { style, now } = this.#options;
    const lines = [...this.#running.values()].map((running) => {
      const elapsed = style.dim(formatDuration(now() - running.startedAt));
      const message = running.message ? ` ${style.dim(`· ${running.message}`)}` : '';
      return `${style.running('…')} ${running.description} ${elapsed}${message}`;
    });
    this.#options.write(lines.join('\n'));
    this.#drawn = lines.length;
  }

  #settle(stepId: string, line: string): void {
    this.#running.delete(stepId);
    this.clear();
    this.#options.write(`${line}\n`);
    this.redraw();
  }
}

/**
 * The plain rendering of an event, for CI logs and anything that is not an interactive terminal: one
 * line per event, without colour (the caller prefixes a timestamp).
 */
export function plainStepLine(event: StepEvent): string {
  switch (event.type) {
    case 'started':
      return event.description;
    case 'progress':
      return `${event.description}: ${event.message}`;
    case 'finished':
      return `✓ ${event.description} (${formatDuration(event.durationMs)})`;
    case 'failed':
      return `✗ ${event.description} failed after ${formatDuration(event.durationMs)}`;
    case 'skipped':
      return `- ${event.description} (${event.reason})`;
  }
}
