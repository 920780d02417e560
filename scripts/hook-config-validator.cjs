// The hook bundles' src/config/schema-validator.ts (scripts/build.mjs): ajv's configuration validator
// is dist/config-validator.cjs, loaded the first time a hook meets a configuration not checked before
// (config/checked-configs.ts), so that no push reads, deserializes and pages in its ~200 kB (DESIGN §13).
'use strict';
const { join } = require('node:path');

let validator = null;

exports.configValidator = function configValidator() {
  validator ??= require(join(__dirname, 'config-validator.cjs')).default;
  return validator;
};
