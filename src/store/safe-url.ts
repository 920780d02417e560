/** Database URLs for messages: user info and secret query parameters masked, wherever a URL is printed. */

const SECRET_PARAMS = ['password', 'sslpassword', 'sslkey'];

/** The connection string without its user info and secret parameters (`password`, `sslpassword`, `sslkey`). */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.username) u.username = '***';
    if (u.password) u.password = '***';
    for (const name of [...u.searchParams.keys()]) {
      if (SECRET_PARAMS.includes(name.toLowerCase())) u.searchParams.set(name, '***');
    }
    return u.toString().replace(/%2A%2A%2A/g, '***');
  } catch {
    return 'the configured PostgreSQL database';
  }
}

/** Every database URL inside a text (an engine's message may quote one) masked as `safeUrl` does. */
export function maskUrls(text: string): string {
  return text.replace(/postgres(?:ql)?:\/\/[^\s'"<>]+/gi, (m) => safeUrl(m));
}

/** An engine's message as it may be printed: URLs masked, and the files it names (an `sslkey`, say) left out. */
export function engineMessage(text: string): string {
  return maskUrls(text).replace(/'\/[^']*'|"\/[^"]*"|(?<=\s)\/[^\s,;)]+/g, '(a file)');
}
