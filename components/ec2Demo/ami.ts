// The demo instance's machine image: Amazon Linux 2023 of the instance type's architecture.
import { instanceArchitecture } from "../../config/awsData";

/** "arm64" for Graviton families (t4g, m7g, c6gn …), else "x86_64": picks the AMI's architecture. */
export function architectureOf(instanceType: string): "arm64" | "x86_64" {
  // The config gate admits only types in the table (a1.* is Graviton too); the pattern is for other callers.
  return (
    instanceArchitecture(instanceType) ??
    (/^[a-z]+\d+[a-z]*g[a-z]*\./.test(instanceType) ? "arm64" : "x86_64")
  );
}

/**
 * Filters for the newest Amazon Linux 2023 AMI of an architecture. AL2023 rather than Ubuntu 24.04: it ships
 * the AWS CLI and the SSM agent, and Docker is one `dnf install` away, so the start script has nothing to
 * bootstrap. The "al2023-ami-2023.*" pattern excludes the minimal and ECS-optimised variants.
 */
export function amiFilters(arch: "arm64" | "x86_64"): { name: string; values: string[] }[] {
  return [
    { name: "name", values: [`al2023-ami-2023.*-kernel-*-${arch}`] },
    { name: "architecture", values: [arch] },
    { name: "virtualization-type", values: ["hvm"] },
    { name: "root-device-type", values: ["ebs"] },
  ];
}

/** Burstable families (CPU credits): the instance gets `creditSpecification` only for these. */
export function isBurstable(instanceType: string): boolean {
  return /^(t2|t3|t3a|t4g)\./.test(instanceType);
}
