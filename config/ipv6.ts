// IPv6 text, in one place: the config gate (IPv6 CIDRs of extraEgress), the network component (the /64s of a
// VPC's /56) and the offline engine's stand-in VPC all read and write addresses with these two functions, so
// every IPv6 text the program declares is the canonical form AWS stores (RFC 5952).
import { isIPv6 } from "node:net";

/** The eight 16-bit groups of an IPv6 address ("2001:db8::1" → [0x2001, 0xdb8, 0, 0, 0, 0, 0, 1]); undefined if invalid. */
export function ipv6Groups(address: string): number[] | undefined {
  if (!isIPv6(address) || address.includes(".")) return undefined;
  const [head, tail] = address.split("::");
  const h = head ? head.split(":") : [];
  const t = tail ? tail.split(":") : [];
  const fill = tail === undefined ? [] : Array<string>(8 - h.length - t.length).fill("0");
  return [...h, ...fill, ...t].map((g) => parseInt(g, 16));
}

/** RFC 5952 text of eight groups: lower case, no leading zeros, the longest run of two or more zero groups as "::". */
export function ipv6Text(groups: readonly number[]): string {
  let best = { at: -1, len: 0 };
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > best.len && j - i >= 2) best = { at: i, len: j - i };
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best.at < 0) return hex.join(":");
  return `${hex.slice(0, best.at).join(":")}::${hex.slice(best.at + best.len).join(":")}`;
}
