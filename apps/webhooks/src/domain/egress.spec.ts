import { BlockList } from 'node:net';
import { forbiddenAddress, hostOf, urlShapeProblem } from './egress';

const strict = { allowHttp: false, allowed: new BlockList() };
const development = (() => {
  const allowed = new BlockList();
  allowed.addSubnet('127.0.0.1', 32, 'ipv4');
  return { allowHttp: true, allowed };
})();

describe('egress safety of subscription URLs', () => {
  it('refuses loopback, private, link-local (cloud metadata), CGNAT and unspecified addresses, in IPv4 and IPv6', () => {
    for (const address of ['127.0.0.1', '10.1.2.3', '172.16.0.9', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', 'fd00::1', 'fe80::1', '::ffff:10.0.0.1', '::ffff:169.254.169.254']) {
      expect(forbiddenAddress(address, strict)).toMatch(/loopback, private, link-local or reserved/);
    }
  });

  it('accepts public addresses', () => {
    for (const address of ['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111']) expect(forbiddenAddress(address, strict)).toBeNull();
  });

  it('lets a development allow-list open only the ranges it names', () => {
    expect(forbiddenAddress('127.0.0.1', development)).toBeNull();
    expect(forbiddenAddress('127.0.0.2', development)).not.toBeNull();
    expect(forbiddenAddress('169.254.169.254', development)).not.toBeNull();
  });

  it('wants https without credentials, http only where development allows it', () => {
    expect(urlShapeProblem('http://partner.example/hook', strict)).toBe('must be an https URL');
    expect(urlShapeProblem('http://partner.example/hook', development)).toBeNull();
    expect(urlShapeProblem('https://user:pw@partner.example/hook', strict)).toBe('must not carry credentials');
    expect(urlShapeProblem('ftp://partner.example/', development)).toBe('must be an http or https URL');
    expect(urlShapeProblem('not a url', strict)).toBe('not a URL');
    expect(urlShapeProblem('https://partner.example/hook', strict)).toBeNull();
  });

  it('reads the host of an IPv6 URL without brackets', () => {
    expect(hostOf('https://[::1]:8443/x')).toBe('::1');
    expect(hostOf('https://partner.example/x')).toBe('partner.example');
  });
});
