/**
 * Deterministic ids: every id the emulator makes (request ids, object ids, version ids,
 * operation ids) comes from one counter-based generator seeded by the `seed` option, so two
 * emulators with the same seed and the same calls produce the same ids, and a snapshot
 * continues where it stopped.
 *
 * @module
 */

/** The emulator's id generator. */
export interface Ids {
  /** A version-4-shaped UUID. */
  uuid(): string;
  /** `bytes` random-looking bytes as lower-case hex. */
  hex(bytes: number): string;
  /** How many 32-bit words it has produced (what a snapshot keeps). */
  counter(): number;
}

function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** A mix of the seed and the counter (a murmur3-style finaliser). */
function word(seed: number, n: number): number {
  let x = (seed ^ Math.imul(n + 1, 0x9e3779b9)) >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b) >>> 0;
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35) >>> 0;
  x ^= x >>> 16;
  return x >>> 0;
}

/** Ids from `seed`, starting after `counter` words. */
export function createIds(seed: string, counter = 0): Ids {
  const s = fnv1a(seed);
  let n = counter;
  const hex = (bytes: number): string => {
    let out = "";
    while (out.length < bytes * 2) out += word(s, n++).toString(16).padStart(8, "0");
    return out.slice(0, bytes * 2);
  };
  return {
    hex,
    uuid(): string {
      const h = hex(16).split("");
      h[12] = "4";
      h[16] = "89ab"[parseInt(h[16]!, 16) & 3]!;
      const t = h.join("");
      return `${t.slice(0, 8)}-${t.slice(8, 12)}-${t.slice(12, 16)}-${t.slice(16, 20)}-${
        t.slice(20)
      }`;
    },
    counter: () => n,
  };
}
