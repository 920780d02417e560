// `extends` merging (DESIGN §3): objects deeply, arrays replaced whole, `policy.rules` merged by rule id.
type Json = unknown;

function isPlainObject(value: Json): value is Record<string, Json> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * `extends` merging (DESIGN §3): objects deeply, arrays replaced whole, except
 * `policy.rules`, whose entries merge by `id` (a rule's id defaults to its name).
 */
export function mergeConfig(base: Json, override: Json, path: string[] = []): Json {
  if (path.join('.') === 'policy.rules' && Array.isArray(base) && Array.isArray(override)) {
    return mergeRules(base, override);
  }
  if (!isPlainObject(base) || !isPlainObject(override)) return override === undefined ? base : override;
  const out: Record<string, Json> = { ...base };
  for (const [key, value] of Object.entries(override)) {
    out[key] = Object.hasOwn(base, key) ? mergeConfig(base[key], value, [...path, key]) : value;
  }
  return out;
}

function ruleId(rule: Json): string | undefined {
  if (!isPlainObject(rule)) return undefined;
  const id = rule['id'] ?? rule['rule'];
  return typeof id === 'string' ? id : undefined;
}

function mergeRules(base: Json[], override: Json[]): Json[] {
  const out = [...base];
  for (const rule of override) {
    const id = ruleId(rule);
    const at = id === undefined ? -1 : out.findIndex((r) => ruleId(r) === id);
    if (at >= 0) out[at] = rule;
    else out.push(rule);
  }
  return out;
}
