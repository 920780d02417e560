export type * from './token-types.js';
export { TOKEN_TYP, TOKEN_SCOPE } from './token-types.js';
export { jobSubject } from './subject.js';
export { initKeys, rotateKeys, readKeyFile, activeKey, publicJwks, keyFileMode, importSigningKey } from './key-store.js';
export { signJobToken, type SignedToken } from './sign-token.js';
export { verifyJobToken, type VerifiedToken, type VerifyOptions } from './verify-token.js';
export { CLIENT_ASSERTION_TYPE, newWorkerKey, signClientAssertion, verifyClientAssertion } from './client-assertion.js';
