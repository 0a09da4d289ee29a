/**
 * The emulator's access tokens: ES256 JWTs signed with a key derived from the seed (so a
 * snapshot restored into a new emulator with the same seed still accepts its tokens), and the
 * checks the services make of them.
 *
 * @module
 */
import { p256 } from "@noble/curves/nist.js";
import { createIds } from "../ids.ts";
import { encodeBase64 } from "../../http/_base64.ts";

/** The claims of an emulator access token. */
export interface TokenClaims {
  aud: string;
  iss: string;
  iat: number;
  nbf: number;
  exp: number;
  tid: string;
  oid: string;
  sub: string;
  appid: string;
  azp: string;
  idtyp: "app";
  ver: "1.0";
  /** Claims the client asked for (CAE), as sent. */
  xms_cc?: string[];
  /** A per-token id, so a revoked token can be named. */
  uti: string;
}

/** Why a token is refused. */
export type TokenProblem = "malformed" | "signature" | "expired" | "not-yet-valid" | "audience";

const enc = new TextEncoder();

function b64u(bytes: Uint8Array): string {
  return encodeBase64(bytes, true);
}

function unb64u(text: string): Uint8Array {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new TypeError("not base64url");
  const b64 = text.replace(/-/g, "+").replace(/_/g, "/");
  return Uint8Array.from(
    atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4)),
    (c) => c.charCodeAt(0),
  );
}

/** The signer of one emulator (its key comes from the seed). */
export interface TokenSigner {
  /** The key id in every token's header and in the JWKS. */
  readonly kid: string;
  /** The public key as a JWK (for the JWKS document). */
  readonly jwk: {
    kty: "EC";
    crv: "P-256";
    x: string;
    y: string;
    kid: string;
    use: "sig";
    alg: "ES256";
  };
  sign(claims: TokenClaims): string;
  /** The claims of a token this signer made, or why it is refused. */
  verify(
    token: string,
    check: { now: number; audiences: readonly string[] },
  ): { claims: TokenClaims } | { problem: TokenProblem; claims?: TokenClaims };
}

/** A signer whose key is derived from `seed`. */
export function createSigner(seed: string): TokenSigner {
  const ids = createIds(`${seed}\u0000entra-signing-key`);
  const n = p256.Point.CURVE().n;
  let d = 0n;
  while (d === 0n || d >= n) d = BigInt(`0x${ids.hex(32)}`);
  const secret = Uint8Array.from(
    d.toString(16).padStart(64, "0").match(/../g)!,
    (h) => parseInt(h, 16),
  );
  const pub = p256.getPublicKey(secret, false);
  const kid = ids.hex(20).toUpperCase().slice(0, 27);
  const jwk = {
    kty: "EC" as const,
    crv: "P-256" as const,
    x: b64u(pub.subarray(1, 33)),
    y: b64u(pub.subarray(33, 65)),
    kid,
    use: "sig" as const,
    alg: "ES256" as const,
  };
  const header = b64u(enc.encode(JSON.stringify({ typ: "JWT", alg: "ES256", kid })));
  return {
    kid,
    jwk,
    sign(claims: TokenClaims): string {
      const input = `${header}.${b64u(enc.encode(JSON.stringify(claims)))}`;
      const sig = p256.sign(enc.encode(input), secret);
      return `${input}.${b64u(sig)}`;
    },
    verify(token, check) {
      const parts = token.split(".");
      if (parts.length !== 3) return { problem: "malformed" };
      let claims: TokenClaims;
      let ok = false;
      try {
        const head = JSON.parse(new TextDecoder().decode(unb64u(parts[0]!)));
        claims = JSON.parse(new TextDecoder().decode(unb64u(parts[1]!)));
        if (head?.alg !== "ES256" || typeof claims !== "object" || claims === null) {
          return { problem: "malformed" };
        }
        ok = head.kid === kid &&
          p256.verify(unb64u(parts[2]!), enc.encode(`${parts[0]}.${parts[1]}`), pub);
      } catch {
        return { problem: "malformed" };
      }
      if (!ok) return { problem: "signature" };
      const seconds = Math.floor(check.now / 1000);
      if (!check.audiences.includes(claims.aud)) return { problem: "audience", claims };
      if (typeof claims.exp !== "number" || claims.exp <= seconds) {
        return { problem: "expired", claims };
      }
      if (typeof claims.nbf === "number" && claims.nbf > seconds + 300) {
        return { problem: "not-yet-valid", claims };
      }
      return { claims };
    },
  };
}
