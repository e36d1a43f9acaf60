import { describe, expect, it } from 'vitest';

describe('the Node line', () => {
  it('is the one CI asked for (RELETAN_NODE_LINE), and at least 20.19', () => {
    const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
    expect(major > 20 || (major === 20 && minor >= 19)).toBe(true);
    const line = process.env.RELETAN_NODE_LINE;
    if (line) expect(String(major)).toBe(line);
  });
});
