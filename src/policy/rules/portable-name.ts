// Why a file name cannot be checked out on Windows or macOS (reserved names, forbidden characters, bad UTF-8), for the `files` rule.
const RESERVED = /^(con|prn|aux|nul|com[0-9\u00b9\u00b2\u00b3]|lpt[0-9\u00b9\u00b2\u00b3])$/i;
// eslint-disable-next-line no-control-regex -- Windows refuses control characters in file names: matching them is the point
const WINDOWS_CHARS = /[<>:"\\|?*\x00-\x1f]/;
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
/** Any of the problems below, anywhere in a path: most names match none, and one test settles them. */
const ANY_PROBLEM =
  // eslint-disable-next-line no-control-regex -- as WINDOWS_CHARS
  /[<>:"\\|?*\x00-\x1f\ufffd]|[. ](?:\/|$)|(?:^|\/)(?:con|prn|aux|nul|com[0-9\u00b9\u00b2\u00b3]|lpt[0-9\u00b9\u00b2\u00b3])(?:\.|\/|$)/i;

/** Why a file name (as bytes) cannot be checked out on Windows or macOS, or null when it can. */
export function portabilityProblem(hex: string, decoded?: string): string | null {
  // an invalid byte decodes to U+FFFD, which ANY_PROBLEM catches, so the fast path is exact
  if (decoded !== undefined && !ANY_PROBLEM.test(decoded)) return null;
  const bytes = Buffer.from(hex, 'hex');
  let text: string;
  try {
    text = strictUtf8.decode(bytes);
  } catch {
    return 'is not valid UTF-8 (macOS refuses it)';
  }
  for (const part of text.split('/')) {
    const bad = WINDOWS_CHARS.exec(part);
    if (bad) {
      const ch = bad[0];
      const what = ch < ' ' ? `a control character (0x${ch.charCodeAt(0).toString(16).padStart(2, '0')})` : `'${ch}'`;
      return `contains ${what} (invalid on Windows)`;
    }
    if (/[. ]$/.test(part)) return 'has a name ending in a dot or a space (invalid on Windows)';
    if (RESERVED.test(part.split('.')[0]!)) return `uses the reserved name ${part.split('.')[0]} (invalid on Windows)`;
  }
  return null;
}
