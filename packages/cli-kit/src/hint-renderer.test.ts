import { ReletanError, renderHint } from '@reletan/core';
import { describe, expect, it } from 'vitest';
import { createHintRenderer } from './hint-renderer.js';

const render = createHintRenderer({
  bin: 'reletan',
  commands: ['release', 'cache'],
  flags: { push: '--push', fetch: '--fetch', release: '--release', dryRun: '--dry-run' },
});

function hint(text: string, actions: ConstructorParameters<typeof ReletanError>[0]['actions']) {
  return renderHint(new ReletanError({ code: 'X', message: 'x', hint: text, actions }), render);
}

describe("spelling a hint's actions as reletan's commands and flags", () => {
  it('spells an operation as the command line to run, with its options as flags', () => {
    expect(
      hint('then {rerun} again', {
        rerun: {
          type: 'run',
          command: ['release', 'finish', '1.2.0'],
          options: { push: true, fetchRemote: true },
          words: 'finish release 1.2.0',
        },
      }),
    ).toBe('then run "reletan release finish 1.2.0 --push --fetch" again');
  });

  it('spells an option of the command that ran as its flag, passed or left out', () => {
    expect(
      hint('{release}, or {noFetch}', {
        release: { type: 'option', name: 'release', value: 'ID', words: 'give the release id' },
        noFetch: { type: 'option', name: 'fetchRemote', use: 'omit', words: 'do not fetch' },
      }),
    ).toBe('pass --release ID, or leave out --fetch');
  });

  it('keeps the words for a flag the command does not have, or a command this bin lacks', () => {
    expect(
      hint('{force}; then {init}', {
        force: { type: 'option', name: 'force', words: 'force the flush' },
        init: { type: 'run', command: ['init'], words: 'create a config' },
      }),
    ).toBe('force the flush; then create a config');
  });
});
