import { BlockList, isIP } from 'node:net';

/**
 * Where a subscription may point. A partner-chosen URL is a server-side request we make on their
 * behalf, so it must not reach our own network: loopback, private (RFC 1918, unique-local), link-local
 * (where cloud metadata answers, 169.254.169.254), carrier-grade NAT, unspecified, multicast and
 * documentation ranges are refused, unless the operator allowed a range for development
 * (WEBHOOKS_EGRESS_ALLOW). The same check runs on every address a name resolves to, at subscription
 * time and again at each connection (DNS may change after the subscription was accepted).
 */
const FORBIDDEN = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  FORBIDDEN.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['2001:db8::', 32],
  ['64:ff9b::', 96],
] as const) {
  FORBIDDEN.addSubnet(network, prefix, 'ipv6');
}

export interface EgressPolicy {
  allowHttp: boolean;
  /** Ranges allowed although forbidden above (development). */
  allowed: BlockList;
}

/** Why an address may not be delivered to, or null when it may. */
export function forbiddenAddress(address: string, policy: EgressPolicy): string | null {
  const family = isIP(address);
  if (!family) return `${address} is not an IP address`;
  // An IPv4-mapped IPv6 address (::ffff:10.0.0.1) is judged as the IPv4 address it carries.
  const mapped = family === 6 ? /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1] : undefined;
  const [checked, type] = mapped ? [mapped, 'ipv4' as const] : [address, family === 6 ? ('ipv6' as const) : ('ipv4' as const)];
  if (policy.allowed.check(checked, type)) return null;
  return FORBIDDEN.check(checked, type) ? `${address} is a loopback, private, link-local or reserved address` : null;
}

/** Checks what can be told from the URL alone: scheme, no credentials, a host. */
export function urlShapeProblem(text: string, policy: EgressPolicy): string | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'not a URL';
  }
  if (url.protocol !== 'https:' && !(policy.allowHttp && url.protocol === 'http:')) return policy.allowHttp ? 'must be an http or https URL' : 'must be an https URL';
  if (url.username || url.password) return 'must not carry credentials';
  if (!url.hostname) return 'has no host';
  return null;
}

/** The host of a URL as an address or a name to resolve ([::1] loses its brackets). */
export function hostOf(url: string): string {
  return new URL(url).hostname.replace(/^\[(.*)\]$/, '$1');
}
