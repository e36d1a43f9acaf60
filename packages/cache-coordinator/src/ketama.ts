import { hash } from 'node:crypto';

/** Picks the server for a key; adding a server moves only about 1/(n+1) of the keys, all to the new one. */
export interface HashRing {
  readonly servers: readonly string[];
  /** The index in {@link HashRing.servers} of the server that holds `key`. */
  serverFor(key: string): number;
}

/** libketama's shape: 40 md5 digests per server, 4 points from each, 160 points per server. */
const DIGESTS_PER_SERVER = 40;
const POINTS_PER_DIGEST = 4;

/**
 * A ketama consistent-hash ring over server labels (`host:port`): the continuum of libketama and of
 * the `hashring` package with equal weights, so a key lands where those clients put it too.
 * memjs's own choice (`hashCode(key) % n`) moves almost every key when a server is added.
 */
export function createHashRing(servers: readonly string[]): HashRing {
  const labels = [...servers];
  if (labels.length <= 1) return { servers: labels, serverFor: () => 0 };
  const points: { point: number; server: number }[] = [];
  labels.forEach((label, server) => {
    for (let digestIndex = 0; digestIndex < DIGESTS_PER_SERVER; digestIndex++) {
      const digest = hash('md5', `${label}-${digestIndex}`, 'buffer');
      for (let part = 0; part < POINTS_PER_DIGEST; part++) {
        points.push({ point: digest.readUInt32LE(part * 4), server });
      }
    }
  });
  // Ties (vanishingly rare) resolve by server order, so the ring does not depend on sort stability.
  points.sort((a, b) => a.point - b.point || a.server - b.server);
  const positions = Uint32Array.from(points, (entry) => entry.point);
  const owners = Uint16Array.from(points, (entry) => entry.server);

  return {
    servers: labels,
    serverFor(key) {
      const point = hash('md5', key, 'buffer').readUInt32LE(0);
      // The first point at or after the key's, wrapping to the start of the ring.
      let low = 0;
      let high = positions.length;
      while (low < high) {
        const middle = (low + high) >>> 1;
        if ((positions[middle] as number) < point) low = middle + 1;
        else high = middle;
      }
      return owners[low === positions.length ? 0 : low] as number;
    },
  };
}
