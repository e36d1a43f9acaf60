/**
 * Ctrl-C and SIGTERM, shared by the bin (a bundled CommonJS copy of this module) and the commands (the
 * ESM copy): the handlers live on a global, so both copies see the same ones.
 */
const HANDLERS = Symbol.for('reletan.interruptHandlers');

type Registry = Set<(reason: string) => void>;

function registry(): Registry {
  const holder = globalThis as { [HANDLERS]?: Registry };
  holder[HANDLERS] ??= new Set();
  return holder[HANDLERS];
}

/**
 * Runs `handler` when the process is interrupted, instead of exiting at once: a command that stops
 * cleanly (a deploy saying which environments are mid-update) registers one. Returns the unregistration.
 */
export function onInterrupt(handler: (reason: string) => void): () => void {
  registry().add(handler);
  return () => registry().delete(handler);
}

/** How long a command that handles the interruption gets to stop before the process exits anyway. */
export const INTERRUPT_GRACE_MS = 10_000;

/**
 * Installs the signal handlers of a bin: with no command listening, exit 130 at once (as before); else
 * tell the listeners and give them {@link INTERRUPT_GRACE_MS} to stop; a second signal exits at once.
 */
export function installInterruptHandling(): void {
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals) => {
    const handlers = [...registry()];
    if (interrupted || handlers.length === 0) {
      process.stderr.write('\ninterrupted\n');
      process.exit(130);
    }
    interrupted = true;
    process.stderr.write(`\ninterrupted (${signal}): stopping; interrupt again to exit at once\n`);
    for (const handler of handlers) handler(signal);
    // Unref'd: a command that stops in time ends the process itself, with its own exit code (130).
    setTimeout(() => process.exit(130), INTERRUPT_GRACE_MS).unref();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}
