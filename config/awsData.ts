// AWS facts the config gate checks against, offline: the regions (from @pulumi/aws, which ships the
// provider's own region list and is updated with it), their Availability Zone counts and the EC2 instance
// types the demo may run on (maintained tables: no npm package ships EC2 instance data, and the gate must not
// need the network). Update the tables when AWS opens a region or a family; an unknown value is refused with
// "did you mean", so a stale table fails loudly and early, never in AWS.
import { Region } from "@pulumi/aws/types/enums";

/** Every region the installed AWS provider knows (commercial, China, GovCloud, ISO). */
export const AWS_REGIONS: readonly string[] = Object.values(Region as Record<string, string>).sort();

/**
 * Availability Zones a new account can use per region (AWS "Regions and Zones" pages). Regions missing here
 * are accepted; their zone count is then checked by AWS at deploy time. us-west-1 and ap-northeast-1 have one
 * more zone that only older accounts can use.
 */
export const REGION_AZ_COUNT: Readonly<Record<string, number>> = {
  "us-east-1": 6,
  "us-east-2": 3,
  "us-west-1": 2,
  "us-west-2": 4,
  "ca-central-1": 3,
  "ca-west-1": 3,
  "mx-central-1": 3,
  "sa-east-1": 3,
  "eu-central-1": 3,
  "eu-central-2": 3,
  "eu-west-1": 3,
  "eu-west-2": 3,
  "eu-west-3": 3,
  "eu-north-1": 3,
  "eu-south-1": 3,
  "eu-south-2": 3,
  "il-central-1": 3,
  "me-central-1": 3,
  "me-south-1": 3,
  "af-south-1": 3,
  "ap-east-1": 3,
  "ap-east-2": 3,
  "ap-south-1": 3,
  "ap-south-2": 3,
  "ap-northeast-1": 3,
  "ap-northeast-2": 4,
  "ap-northeast-3": 3,
  "ap-southeast-1": 3,
  "ap-southeast-2": 3,
  "ap-southeast-3": 3,
  "ap-southeast-4": 3,
  "ap-southeast-5": 3,
  "ap-southeast-6": 3,
  "ap-southeast-7": 3,
};

export type Architecture = "x86_64" | "arm64";

const BURST = ["nano", "micro", "small", "medium", "large", "xlarge", "2xlarge"];
const upTo = (max: number, from: "medium" | "large" = "large", metal = false): string[] => {
  const out = from === "medium" ? ["medium", "large", "xlarge"] : ["large", "xlarge"];
  for (const n of [2, 4, 8, 12, 16, 24, 32, 48]) if (n <= max) out.push(`${n}xlarge`);
  return metal ? [...out, "metal"] : out;
};

/** Family → architecture and sizes. Graviton (arm64): a1 and every family with "g" after its generation. */
const FAMILIES: Readonly<Record<string, { arch: Architecture; sizes: readonly string[] }>> = {
  t2: { arch: "x86_64", sizes: BURST },
  t3: { arch: "x86_64", sizes: BURST },
  t3a: { arch: "x86_64", sizes: BURST },
  t4g: { arch: "arm64", sizes: BURST },
  a1: { arch: "arm64", sizes: ["medium", "large", "xlarge", "2xlarge", "4xlarge", "metal"] },
  m5: { arch: "x86_64", sizes: upTo(24, "large", true) },
  m5a: { arch: "x86_64", sizes: upTo(24) },
  m5d: { arch: "x86_64", sizes: upTo(24, "large", true) },
  m6i: { arch: "x86_64", sizes: upTo(32, "large", true) },
  m6a: { arch: "x86_64", sizes: upTo(48, "large", true) },
  m6g: { arch: "arm64", sizes: upTo(16, "medium", true) },
  m6gd: { arch: "arm64", sizes: upTo(16, "medium", true) },
  m7i: { arch: "x86_64", sizes: upTo(48, "large", true) },
  "m7i-flex": { arch: "x86_64", sizes: upTo(16) },
  m7a: { arch: "x86_64", sizes: upTo(48, "medium", true) },
  m7g: { arch: "arm64", sizes: upTo(16, "medium", true) },
  m7gd: { arch: "arm64", sizes: upTo(16, "medium", true) },
  m8g: { arch: "arm64", sizes: upTo(48, "medium", true) },
  c5: { arch: "x86_64", sizes: upTo(24, "large", true) },
  c5a: { arch: "x86_64", sizes: upTo(24) },
  c6i: { arch: "x86_64", sizes: upTo(32, "large", true) },
  c6a: { arch: "x86_64", sizes: upTo(48, "large", true) },
  c6g: { arch: "arm64", sizes: upTo(16, "medium", true) },
  c6gn: { arch: "arm64", sizes: upTo(16, "medium") },
  c7i: { arch: "x86_64", sizes: upTo(48, "large", true) },
  c7a: { arch: "x86_64", sizes: upTo(48, "medium", true) },
  c7g: { arch: "arm64", sizes: upTo(16, "medium", true) },
  c7gn: { arch: "arm64", sizes: upTo(16, "medium", true) },
  c8g: { arch: "arm64", sizes: upTo(48, "medium", true) },
  r5: { arch: "x86_64", sizes: upTo(24, "large", true) },
  r5a: { arch: "x86_64", sizes: upTo(24) },
  r6i: { arch: "x86_64", sizes: upTo(32, "large", true) },
  r6a: { arch: "x86_64", sizes: upTo(48, "large", true) },
  r6g: { arch: "arm64", sizes: upTo(16, "medium", true) },
  r7i: { arch: "x86_64", sizes: upTo(48, "large", true) },
  r7a: { arch: "x86_64", sizes: upTo(48, "medium", true) },
  r7g: { arch: "arm64", sizes: upTo(16, "medium", true) },
  r8g: { arch: "arm64", sizes: upTo(48, "medium", true) },
  g4dn: { arch: "x86_64", sizes: ["xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "metal"] },
  g5: { arch: "x86_64", sizes: ["xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "48xlarge"] },
  g5g: { arch: "arm64", sizes: ["xlarge", "2xlarge", "4xlarge", "8xlarge", "16xlarge", "metal"] },
  g6: { arch: "x86_64", sizes: ["xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "48xlarge"] },
}; // prettier-ignore

/** Every instance type in the table, e.g. "t3.small". */
export const INSTANCE_TYPES: readonly string[] = Object.entries(FAMILIES).flatMap(([family, f]) =>
  f.sizes.map((size) => `${family}.${size}`),
);

/** The architecture of a known instance type, or undefined when the table does not list it. */
export function instanceArchitecture(type: string): Architecture | undefined {
  const dot = type.indexOf(".");
  const family = FAMILIES[type.slice(0, dot)];
  return family?.sizes.includes(type.slice(dot + 1)) ? family.arch : undefined;
}
