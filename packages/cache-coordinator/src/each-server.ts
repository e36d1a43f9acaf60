import { monotonicNow } from './deadlines.js';
import { connectMemjs, errorText, failServer, type MemjsClient, type MemjsModule } from './memjs.js';
import type { ServerAddress } from './servers.js';

/** What one server answered, or why it did not. */
export type ServerOutcome<T> =
  | { server: string; ok: true; value: T; ms: number }
  | { server: string; ok: false; error: string; timedOut: boolean; ms: number };

export interface EachServerOptions {
  /** How long each server gets to answer. */
  timeoutMs: number;
  memjs?: MemjsModule | undefined;
  /** @default performance.now, for the per-server timings */
  now?: () => number;
}

/**
 * Runs one request on every server at once, each through its own connection with its own deadline,
 * so a dead or frozen server costs at most `timeoutMs` and never delays the others' answers.
 */
export function onEachServer<T>(
  addresses: readonly ServerAddress[],
  options: EachServerOptions,
  send: (client: MemjsClient, reply: (error: unknown, value?: T) => void) => void,
): Promise<ServerOutcome<T>[]> {
  const now = options.now ?? monotonicNow;
  return Promise.all(
    addresses.map(
      (address) =>
        new Promise<ServerOutcome<T>>((resolve) => {
          const started = now();
          const client = connectMemjs([address], {
            timeoutMs: options.timeoutMs,
            ...(options.memjs ? { memjs: options.memjs } : {}),
          });
          let settled = false;
          const finish = (outcome: ServerOutcome<T>) => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            // One request per connection: close it at once, a frozen server's connect included.
            for (const server of client.servers) failServer(server, new Error('done'));
            resolve(outcome);
          };
          const timer = setTimeout(
            () =>
              finish({
                server: address.label,
                ok: false,
                error: `no answer within ${options.timeoutMs} ms`,
                timedOut: true,
                ms: now() - started,
              }),
            options.timeoutMs,
          );
          const reply = (error: unknown, value?: T) =>
            finish(
              error
                ? {
                    server: address.label,
                    ok: false,
                    error: errorText(error),
                    timedOut: false,
                    ms: now() - started,
                  }
                : { server: address.label, ok: true, value: value as T, ms: now() - started },
            );
          try {
            send(client, reply);
          } catch (error) {
            reply(error ?? new Error('memjs failed'));
          }
        }),
    ),
  );
}
