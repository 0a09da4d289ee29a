/**
 * The parts of jose the certificate credential signs with, behind one module that is imported
 * dynamically: loading kvfetch costs nothing for credentials that never sign, and bundlers still
 * keep only these functions of jose (a dynamic `import("jose")` would keep all of it).
 */
export { CompactSign, compactVerify, importPKCS8, importX509, SignJWT } from "jose";
