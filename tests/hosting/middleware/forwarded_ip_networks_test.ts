// The IP and CIDR helpers behind forwardedHeaders: what they accept, what
// they refuse, and how they spell an address.

import assert from "node:assert/strict";
import {
  formatIp,
  type IpNetwork,
  networkContains,
  parseEndpoint,
  parseIp,
  parseNetwork,
} from "../../../hosting/middleware/_ip_networks.ts";

const spell = (text: string): string | undefined => {
  const address = parseIp(text);
  return address === undefined ? undefined : formatIp(address);
};

Deno.test("parseIp reads dotted IPv4 and every IPv6 form, in canonical spelling", () => {
  assert.equal(spell("192.0.2.1"), "192.0.2.1");
  assert.equal(spell("::1"), "::1");
  assert.equal(spell("::"), "::");
  assert.equal(spell("2001:DB8:0:0:0:0:0:1"), "2001:db8::1");
  assert.equal(spell("2001:db8:0:1:0:0:0:0"), "2001:db8:0:1::");
  assert.equal(spell("1:0:0:2:0:0:0:3"), "1:0:0:2::3");
  assert.equal(spell("fe80::1%eth0"), "fe80::1");
  assert.equal(spell("64:ff9b::192.0.2.33"), "64:ff9b::c000:221");
  // IPv4-mapped addresses are the IPv4 address they carry.
  assert.equal(spell("::ffff:127.0.0.1"), "127.0.0.1");
  assert.equal(spell("::FFFF:7f00:1"), "127.0.0.1");
});

Deno.test("parseIp refuses what is not plainly an address", () => {
  for (
    const text of [
      "",
      "1",
      "127.1",
      "0x7f.0.0.1",
      "010.0.0.1",
      "256.0.0.1",
      "1.2.3.4.5",
      "1::2::3",
      "1:2:3:4:5:6:7:8:9",
      "1:2:3:4:5:6:7",
      "12345::",
      "1.2.3.4::",
      "::g",
      "example.com",
    ]
  ) {
    assert.equal(parseIp(text), undefined, text);
  }
});

Deno.test("parseEndpoint reads forwarded nodes with and without ports", () => {
  const read = (text: string) => {
    const endpoint = parseEndpoint(text);
    return endpoint && [formatIp(endpoint.address), endpoint.port];
  };
  assert.deepEqual(read("203.0.113.7"), ["203.0.113.7", 0]);
  assert.deepEqual(read("203.0.113.7:443"), ["203.0.113.7", 443]);
  assert.deepEqual(read("2001:db8::7"), ["2001:db8::7", 0]);
  assert.deepEqual(read("[2001:db8::7]"), ["2001:db8::7", 0]);
  assert.deepEqual(read("[2001:db8::7]:8080"), ["2001:db8::7", 8080]);
  for (
    const bad of ["1.2.3.4:", "1.2.3.4:65536", "[1.2.3.4]", "[::1", "[::1]x"]
  ) {
    assert.equal(parseEndpoint(bad), undefined, bad);
  }
});

Deno.test("networkContains matches by prefix, IPv4-mapped networks as IPv4", () => {
  const net = (text: string) => parseNetwork(text) as IpNetwork;
  const ip = (text: string) => parseIp(text)!;
  assert.equal(networkContains(net("10.0.0.0/8"), ip("10.255.1.2")), true);
  assert.equal(networkContains(net("10.0.0.0/8"), ip("11.0.0.1")), false);
  assert.equal(
    networkContains(net("172.16.0.0/12"), ip("172.31.255.255")),
    true,
  );
  assert.equal(networkContains(net("172.16.0.0/12"), ip("172.32.0.0")), false);
  assert.equal(networkContains(net("0.0.0.0/0"), ip("8.8.8.8")), true);
  assert.equal(networkContains(net("0.0.0.0/0"), ip("::2")), false);
  assert.equal(networkContains(net("fd00::/8"), ip("fdab::1")), true);
  assert.equal(
    networkContains(net("::ffff:10.0.0.0/104"), ip("10.1.2.3")),
    true,
  );
  assert.equal(networkContains(net("10.0.0.0/8"), ip("::ffff:10.1.2.3")), true);
  assert.equal(networkContains(net("192.0.2.7/32"), ip("192.0.2.7")), true);
  assert.match(String(parseNetwork("10.0.0.0")), /no prefix length/);
  assert.match(String(parseNetwork("10.0.0.0/33")), /from 0 to 32/);
  assert.match(String(parseNetwork("fd00::1/8")), /did you mean fd00::\/8\?/);
});
