import { describe, expect, it } from 'vitest';
import { encodeEntry } from './codec.js';
import { mergeRollouts, parseRegistry, type RolloutMarker } from './rollout-registry.js';

const now = new Date('2025-06-01T10:00:00Z');
const marker = (stage: string, expiresAt: string, release = 'v1'): RolloutMarker => ({
  app: 'shop',
  stage,
  release,
  startedAt: '2025-06-01T09:00:00.000Z',
  expiresAt,
  state: 'rolling',
});
const stored = (value: unknown) => Buffer.from(encodeEntry(value));

describe('reading a registry', () => {
  it('is empty when nothing is stored', () => {
    expect(parseRegistry(null, now)).toEqual({ rollouts: [], unreadable: false });
  });

  it('lists the rollouts not yet expired', () => {
    const live = marker('prod', '2025-06-01T10:00:01.000Z');
    const lapsed = marker('staging', '2025-06-01T10:00:00.000Z');
    expect(parseRegistry(stored({ rollouts: [live, lapsed] }), now)).toEqual({
      rollouts: [live],
      unreadable: false,
    });
  });

  it.each([
    ['another client’s value', Buffer.from('garbage')],
    ['a tagged value of another shape', stored({ markers: [] })],
    ['an entry without an expiry', stored({ rollouts: [{ ...marker('prod', 'x'), expiresAt: undefined }] })],
    [
      'an entry with an unknown state',
      stored({ rollouts: [{ ...marker('prod', '2030-01-01'), state: 'done' }] }),
    ],
  ])('is unreadable for %s (which then counts as a rollout in progress)', (_name, raw) => {
    expect(parseRegistry(raw, now)).toEqual({ rollouts: [], unreadable: true });
  });
});

describe('writing rollouts back after a flush', () => {
  it('adds the ones missing, and keeps what was written since for the others', () => {
    const since = marker('prod', '2025-06-01T12:00:00.000Z', 'v2');
    const kept = [marker('prod', '2025-06-01T11:00:00.000Z'), marker('staging', '2025-06-01T11:00:00.000Z')];
    expect(mergeRollouts([since], kept)).toEqual([since, kept[1]]);
  });
});
