/** The configuration's JSON Schema check: ajv's precompiled validator (a hook bundle loads it only when needed). */
import type { ValidateFunction } from 'ajv';
import validateConfig from '../generated/validate-config.js';

// The hook bundles replace this module (scripts/hook-config-validator.cjs): there the validator,
// ~200 kB of code, is its own file, read only for a configuration the repository has not seen pass.
export function configValidator(): ValidateFunction {
  return validateConfig;
}
