/**
 * ProxyJump values as ssh reads them (readconf.c `parse_jump`): a comma-separated list of hops,
 * each `[user@]host[:port]` (IPv6 in brackets) or `ssh://[user@]host[:port]`; `none` turns
 * jumping off. ssh connects to the first hop first; the last one is the hop next to the target.
 */

/** One hop as written. */
export interface JumpHopSpec {
  user?: string;
  host: string;
  /** undefined: the hop's own Port (or 22) applies */
  port?: number;
}

/** Parses one hop; undefined when ssh would call it invalid. */
export function parseHop(text: string): JumpHopSpec | undefined {
  let rest = text;
  if (/^ssh:\/\//i.test(rest)) {
    rest = rest.slice(6);
    if (rest.endsWith('/')) rest = rest.slice(0, -1);
  }
  let user: string | undefined;
  const at = rest.lastIndexOf('@');
  if (at !== -1) {
    if (at === 0) return undefined;
    user = rest.slice(0, at);
    rest = rest.slice(at + 1);
  }
  let host: string;
  let portText: string | undefined;
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close === -1) return undefined;
    host = rest.slice(1, close);
    const after = rest.slice(close + 1);
    if (after !== '' && !after.startsWith(':')) return undefined;
    portText = after === '' ? undefined : after.slice(1);
  } else {
    const delim = rest.search(/[:/]/);
    host = delim === -1 ? rest : rest.slice(0, delim);
    portText = delim === -1 ? undefined : rest.slice(delim + 1);
  }
  if (host === '') return undefined;
  let port: number | undefined;
  if (portText !== undefined && portText !== '') {
    if (!/^\d+$/.test(portText)) return undefined;
    port = Number(portText);
    if (port < 1 || port > 65535) return undefined;
  }
  return { ...(user !== undefined ? { user } : {}), host, ...(port !== undefined ? { port } : {}) };
}

/** A ProxyJump value: `none`, or its hops in connection order; undefined when invalid. */
export function parseProxyJump(value: string): 'none' | JumpHopSpec[] | undefined {
  // parse_jump drops a comment and trailing blanks; ProxyJump reads the raw rest of the line.
  const text = value.replace(/#.*$/, '').replace(/[ \t\r\n]+$/, '');
  if (text.toLowerCase() === 'none') return 'none';
  const hops: JumpHopSpec[] = [];
  for (const piece of text.split(',')) {
    const hop = parseHop(piece);
    if (hop === undefined) return undefined;
    hops.push(hop);
  }
  return hops;
}

/** The hops before the last one, as the text ssh hands to the last hop's own `-J`. */
export function formatHop(hop: JumpHopSpec): string {
  const bracket = hop.host.includes(':') || /^[0-9.]+$/.test(hop.host);
  return `${hop.user !== undefined ? `${hop.user}@` : ''}${bracket ? `[${hop.host}]` : hop.host}${hop.port !== undefined ? `:${hop.port}` : ''}`;
}
