/**
 * The parts of jose kvfetch's JWK and JWT functions use, behind one module imported
 * dynamically (as `lib/auth/_jose.ts`): importing kvfetch does not load jose, and bundlers
 * keep only these functions of it.
 */
export { importJWK, jwtVerify } from "jose";
