/**
 * Text safe to put on a pusher's terminal: printable ASCII as is, everything else escaped,
 * so no escape sequence from a file name, author or description reaches the screen.
 */
export function printable(text: string): string {
  let out = '';
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (code >= 0x20 && code < 0x7f) out += ch;
    else if (code === 0x0a) out += '\\n';
    else if (code === 0x09) out += '\\t';
    else if (code === 0x0d) out += '\\r';
    else if (code < 0x100) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += `\\u{${code.toString(16)}}`;
  }
  return out;
}

/** Bytes that may not be UTF-8 (a file name): valid UTF-8 escaped as above, other bytes as \xNN. */
export function printableBytes(bytes: Uint8Array): string {
  const text = Buffer.from(bytes).toString('utf8');
  if (!text.includes('\ufffd')) return printable(text);
  // Walk the bytes so that each invalid byte shows as itself, not as U+FFFD.
  let out = '';
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    const len = b < 0x80 ? 1 : b >= 0xf0 && b < 0xf8 ? 4 : b >= 0xe0 ? 3 : b >= 0xc2 && b < 0xe0 ? 2 : 0;
    if (len > 0 && i + len <= bytes.length) {
      const piece = Buffer.from(bytes.subarray(i, i + len)).toString('utf8');
      if (!piece.includes('\ufffd')) {
        out += printable(piece);
        i += len;
        continue;
      }
    }
    out += `\\x${b.toString(16).padStart(2, '0')}`;
    i += 1;
  }
  return out;
}
