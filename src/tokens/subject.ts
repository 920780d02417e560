/** Escapes a value for the `sub` claim: `%` and `:` are percent-encoded, so the parts stay unambiguous. */
function part(value: string): string {
  return value.replace(/%/g, '%25').replace(/:/g, '%3A');
}

/** `repo:<repo>:branch:<branch>:task:<task>`, so that a verifier's trust policy can match on it. */
export function jobSubject(repo: string, branch: string, task: string): string {
  return `repo:${part(repo)}:branch:${part(branch)}:task:${part(task)}`;
}
