import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EnvSource, LayerKind, LoadedLayer } from './layers.js';
import { mergeLayers } from './merge.js';

function layer(
  name: string,
  kind: LayerKind,
  entries: [key: string, value: string, line?: number][],
): LoadedLayer {
  const secret = kind !== 'visible' && kind !== 'computed';
  return {
    name,
    kind,
    secret,
    status: 'read',
    file: name,
    entries: entries.map(([key, value, line]) => {
      const source: EnvSource = { layer: name, kind, secret, file: name, ...(line ? { line } : {}) };
      return { key, value, source };
    }),
    problems: [],
  };
}

describe('merging layers', () => {
  it('lets a later visible layer override an earlier one, recording what it overrode', () => {
    const merged = mergeLayers([
      layer('.env.visible', 'visible', [['APP_URL', 'http://localhost', 3]]),
      layer('.env.prod.visible', 'visible', [['APP_URL', 'https://shop.example', 1]]),
    ]);
    expect(merged.problems).toEqual([]);
    expect(merged.values.get('APP_URL')).toBe('https://shop.example');
    const record = merged.provenance.get('APP_URL');
    expect(record?.source).toMatchObject({ file: '.env.prod.visible', line: 1 });
    expect(record?.overrode).toEqual([expect.objectContaining({ file: '.env.visible', line: 3 })]);
  });

  it('lets a later secret layer override an earlier secret one', () => {
    const merged = mergeLayers([
      layer('.env.secret', 'secret-file', [['DB_PASSWORD', 'one', 1]]),
      layer('.env.prod.secret', 'secret-file', [['DB_PASSWORD', 'two', 1]]),
    ]);
    expect(merged.problems).toEqual([]);
    expect(merged.values.get('DB_PASSWORD')).toBe('two');
    expect(merged.provenance.get('DB_PASSWORD')?.secret).toBe(true);
  });

  it('refuses a key in both a visible and a secret layer, naming the key and both files', () => {
    const merged = mergeLayers([
      layer('.env.visible', 'visible', [['DB_PASSWORD', 'oops', 4]]),
      layer('.env.prod.secret', 'secret-file', [['DB_PASSWORD', 's3cr3t', 2]]),
    ]);
    expect(merged.problems).toEqual([
      expect.objectContaining({
        severity: 'error',
        code: 'ENV_VISIBLE_SECRET_CONFLICT',
        key: 'DB_PASSWORD',
        file: '.env.visible',
        line: 4,
        message: expect.stringMatching(/\.env\.visible:4.*\.env\.prod\.secret:2/),
      }),
    ]);
    // However reported, the key stays secret.
    expect(merged.provenance.get('DB_PASSWORD')?.secret).toBe(true);
  });

  it('refuses a key defined twice in one file, naming both lines', () => {
    const merged = mergeLayers([
      layer('.env.visible', 'visible', [
        ['A', '1', 2],
        ['A', '2', 9],
      ]),
    ]);
    expect(merged.problems).toEqual([
      expect.objectContaining({
        code: 'ENV_DUPLICATE_KEY',
        key: 'A',
        file: '.env.visible',
        line: 9,
        message: 'A is defined twice in .env.visible: line 2 and line 9',
      }),
    ]);
  });

  it('refuses keys that are not valid identifiers, at their file and line', () => {
    const merged = mergeLayers([
      layer('.env.visible', 'visible', [
        ['my-key', '1', 5],
        ['1ST', '2', 6],
        ['ok_key', '3', 7],
      ]),
    ]);
    expect(merged.problems.map((problem) => [problem.code, problem.key, problem.line])).toEqual([
      ['ENV_INVALID_KEY', 'my-key', 5],
      ['ENV_INVALID_KEY', '1ST', 6],
    ]);
    expect([...merged.values.keys()]).toEqual(['ok_key']);
  });

  it('refuses a computed key that a file also sets (one source of truth)', () => {
    const merged = mergeLayers([
      layer('.env.visible', 'visible', [['CACHE_PREFIX', 'manual', 8]]),
      layer('computed:cache-coordinator', 'computed', [['CACHE_PREFIX', 'shop:v2:']]),
    ]);
    expect(merged.problems).toEqual([
      expect.objectContaining({
        code: 'ENV_COMPUTED_CONFLICT',
        key: 'CACHE_PREFIX',
        file: '.env.visible',
        line: 8,
      }),
    ]);
  });

  it('never lets a later visible value hide that a key was secret (property)', () => {
    const kinds: LayerKind[] = ['visible', 'secret-file', 'secret-env', 'ssm', 'computed'];
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(...kinds), fc.constantFrom('A', 'B')), { maxLength: 8 }),
        (defs) => {
          const merged = mergeLayers(
            defs.map(([kind, key], index) => layer(`layer${index}`, kind, [[key, String(index)]])),
          );
          for (const key of ['A', 'B']) {
            const everSecret = defs.some(
              ([kind, defined]) => defined === key && kind !== 'visible' && kind !== 'computed',
            );
            expect(merged.provenance.get(key)?.secret ?? false).toBe(everSecret);
          }
        },
      ),
    );
  });
});
