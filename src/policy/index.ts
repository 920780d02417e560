export type { Violation, RuleContext, RuleDefinition, Needs } from './policy-types.js';
export { evaluatePolicy, PolicyEvaluator, type Verdict, type Bypass, type BypassSettings } from './evaluate.js';
export { formatReport, sortViolations } from './report.js';
export { needsOf } from './needs.js';
export { RULES } from './rule-registry.js';
