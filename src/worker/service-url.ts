/** A remote worker's --server (DESIGN §14): https, or plain http to this machine only. */
import { isIPv4 } from 'node:net';
import { TaskgateError } from '../errors/taskgate-error.js';

/** Whether a URL's host is this machine: 127.0.0.0/8, ::1 or localhost. */
function loopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host === '::1') return true;
  return isIPv4(host) && host.startsWith('127.');
}

/** The service's URL, once it is https, or http to loopback (where nothing on the wire can read the tokens). */
export function serviceUrl(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TaskgateError('ERR_USAGE', `taskgate worker: --server ${value} is not a URL`, 'give https://HOST:PORT of taskgate serve');
  }
  if (url.protocol === 'https:') return url;
  if (url.protocol === 'http:' && loopback(url.hostname)) return url;
  throw new TaskgateError(
    'ERR_USAGE',
    `taskgate worker: --server ${url.origin} is plain ${url.protocol.replace(':', '')} to another host: tokens and sources would cross the network readable`,
    'use https:// (server.tls on the service; worker.trust.ca on the worker for a private CA); plain http is for loopback only',
  );
}
