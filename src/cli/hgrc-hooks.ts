/** The lines `taskgate install` writes (DESIGN §2, §16), by hook name. */
export function taskgateHookLines(root: string): Array<[string, string]> {
  return [
    ['pretxnchangegroup.taskgate', `${root}/hooks/pretxnchangegroup`],
    ['pretxnclose.taskgate', `${root}/hooks/pretxnclose`],
    ['changegroup.taskgate', `${root}/hooks/changegroup`],
    ['txnclose-bookmark.taskgate', `${root}/hooks/txnclose-bookmark`],
  ];
}

const KEY = /^\s*([^=#;\s][^=]*?)\s*=/;

/**
 * Sets the given keys in the [hooks] section of an hgrc text, keeping every other line as it
 * is: an existing line for a key is replaced in place, missing ones are added at the end of
 * the section, and a missing section is appended. Running it twice changes nothing.
 */
export function withHooks(text: string, lines: Array<[string, string]>): string {
  const rows = text === '' ? [] : text.replace(/\n$/, '').split('\n');
  let start = rows.findIndex((r) => /^\s*\[hooks\]\s*$/.test(r));
  if (start < 0) {
    if (rows.length > 0 && rows[rows.length - 1] !== '') rows.push('');
    rows.push('[hooks]');
    start = rows.length - 1;
  }
  let end = rows.findIndex((r, i) => i > start && /^\s*\[/.test(r));
  if (end < 0) end = rows.length;
  for (const [key, value] of lines) {
    const at = rows.findIndex((r, i) => i > start && i < end && KEY.exec(r)?.[1] === key);
    const line = `${key} = ${value}`;
    if (at >= 0) rows[at] = line;
    else {
      // after the section's last non-blank line
      let insert = end;
      while (insert - 1 > start && rows[insert - 1]!.trim() === '') insert -= 1;
      rows.splice(insert, 0, line);
      end += 1;
    }
  }
  return `${rows.join('\n')}\n`;
}

/**
 * Removes exactly the given keys from the [hooks] section, and the section itself when
 * nothing but blank lines is left in it (install appends it when there is none).
 */
export function withoutHooks(text: string, keys: string[]): string {
  const rows = text.replace(/\n$/, '').split('\n');
  let inHooks = false;
  const out = rows.filter((r) => {
    if (/^\s*\[/.test(r)) inHooks = /^\s*\[hooks\]\s*$/.test(r);
    return !(inHooks && keys.includes(KEY.exec(r)?.[1] ?? ''));
  });
  const start = out.findIndex((r) => /^\s*\[hooks\]\s*$/.test(r));
  if (start >= 0) {
    let end = out.findIndex((r, i) => i > start && /^\s*\[/.test(r));
    if (end < 0) end = out.length;
    if (out.slice(start + 1, end).every((r) => r.trim() === '')) {
      // the blank line install put before the section goes with it
      const from = start > 0 && out[start - 1]!.trim() === '' ? start - 1 : start;
      out.splice(from, end - from, ...(end < out.length && from > 0 ? [''] : []));
    }
  }
  while (out.length > 0 && out[out.length - 1]!.trim() === '') out.pop();
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}
