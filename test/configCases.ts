// Bad stack configs and the exact message each must produce (S6). Each case starts from a committed stack
// file and changes one thing: `set` replaces a key, `remove` deletes it, `merge` changes fields of an object key.
import { ROOT } from "./support/harness";

export interface BadCase {
  readonly title: string;
  readonly stack: "demo" | "prod";
  readonly set?: Record<string, unknown>;
  readonly remove?: readonly string[];
  readonly merge?: Record<string, Record<string, unknown>>;
  /** Keys set as secrets (`pulumi config set --secret`). */
  readonly secret?: readonly string[];
  readonly message: string;
}

export const BAD_CASES: BadCase[] = [
  {
    title: "unknown topology",
    stack: "demo",
    set: { "ferry:topology": "ec2" },
    message:
      'Invalid stack config: ferry:topology: got "ec2", expected "ec2-demo" or "fargate-ha"; did you mean "ec2-demo"?',
  },
  {
    title: "missing topology",
    stack: "demo",
    remove: ["ferry:topology"],
    message: 'Invalid stack config: ferry:topology: got missing, expected "ec2-demo" or "fargate-ha"',
  },
  {
    title: "port 0",
    stack: "demo",
    merge: { "ferry:app": { port: 0 } },
    message:
      "Invalid stack config: ferry:app.port: got 0, expected a port number: an integer from 1 to 65535",
  },
  {
    title: "port 70000",
    stack: "demo",
    merge: { "ferry:app": { port: 70000 } },
    message:
      "Invalid stack config: ferry:app.port: got 70000, expected a port number: an integer from 1 to 65535",
  },
  {
    title: "port string",
    stack: "demo",
    merge: { "ferry:app": { port: "8501" } },
    message:
      'Invalid stack config: ferry:app.port: got "8501", expected a port number: an integer from 1 to 65535',
  },
  {
    title: "port fraction",
    stack: "demo",
    merge: { "ferry:app": { port: 8501.5 } },
    message:
      "Invalid stack config: ferry:app.port: got 8501.5, expected a port number: an integer from 1 to 65535",
  },
  {
    title: "cidr /33",
    stack: "demo",
    set: { "ferry:demo": { ingressCidrs: ["10.0.0.0/33"] } },
    message:
      'Invalid stack config: ferry:demo.ingressCidrs[0]: got "10.0.0.0/33", expected an IPv4 CIDR such as "203.0.113.0/24"',
  },
  {
    title: "cidr host bits",
    stack: "demo",
    set: { "ferry:demo": { sshCidrs: ["203.0.113.7/24"] } },
    message:
      'Invalid stack config: ferry:demo.sshCidrs[0]: got "203.0.113.7/24", expected a CIDR with the host bits zero ("203.0.113.0/24")',
  },
  {
    title: "cidr word",
    stack: "prod",
    merge: { "ferry:fargate": { vpcCidr: "anywhere" } },
    message:
      'Invalid stack config: ferry:fargate.vpcCidr: got "anywhere", expected an IPv4 CIDR such as "203.0.113.0/24"',
  },
  {
    title: "domain scheme",
    stack: "demo",
    merge: { "ferry:dns": { domain: "https://rusbehabtahi.com" } },
    message:
      'Invalid stack config: ferry:dns.domain: got "https://rusbehabtahi.com", expected a lower-case domain name such as "example.com" (no scheme, no trailing dot)',
  },
  {
    title: "domain trailing dot",
    stack: "demo",
    merge: { "ferry:dns": { domain: "rusbehabtahi.com." } },
    message:
      'Invalid stack config: ferry:dns.domain: got "rusbehabtahi.com.", expected a lower-case domain name such as "example.com" (no scheme, no trailing dot)',
  },
  {
    title: "domain single label",
    stack: "demo",
    merge: { "ferry:dns": { domain: "localhost" } },
    message:
      'Invalid stack config: ferry:dns.domain: got "localhost", expected a lower-case domain name such as "example.com" (no scheme, no trailing dot)',
  },
  {
    title: "missing region",
    stack: "demo",
    remove: ["aws:region"],
    message:
      'Invalid stack config: aws:region: got missing, expected an AWS region such as "eu-central-1" (pulumi config set aws:region <region>)',
  },
  {
    title: "bad region",
    stack: "demo",
    set: { "aws:region": "eu-central-9" },
    message:
      'Invalid stack config: aws:region: got "eu-central-9", expected an AWS region; did you mean "eu-central-1"? (pulumi config set aws:region eu-central-1)',
  },
  {
    title: "min > max",
    stack: "prod",
    merge: { "ferry:fargate": { minCount: 6, maxCount: 5, desiredCount: 5 } },
    message:
      "Invalid stack config (2 problems):\n  - ferry:fargate.minCount: got 6, expected at most maxCount (5)\n  - ferry:fargate.desiredCount: got 5, expected between minCount (6) and maxCount (5)",
  },
  {
    title: "desired > max",
    stack: "prod",
    merge: { "ferry:fargate": { desiredCount: 12 } },
    message:
      "Invalid stack config: ferry:fargate.desiredCount: got 12, expected between minCount (2) and maxCount (10)",
  },
  {
    title: "top typo",
    stack: "demo",
    set: { "ferry:topolgy": "ec2-demo" },
    message: 'Invalid stack config: unknown config key "ferry:topolgy", did you mean "ferry:topology"?',
  },
  {
    title: "nested typo",
    stack: "demo",
    merge: { "ferry:app": { healthpath: "/x" } },
    message: 'Invalid stack config: ferry:app: unknown key "healthpath", did you mean "healthPath"?',
  },
  {
    title: "demo typo",
    stack: "demo",
    set: { "ferry:demo": { instancetype: "t3.small" } },
    message: 'Invalid stack config: ferry:demo: unknown key "instancetype", did you mean "instanceType"?',
  },
  {
    title: "unknown far key",
    stack: "demo",
    merge: { "ferry:app": { replicas: 3 } },
    message:
      'Invalid stack config: ferry:app: unknown key "replicas", expected one of: name, port, healthPath, env, secrets, cpu, memory, dataBucket',
  },
  {
    title: "env list",
    stack: "prod",
    merge: { "ferry:app": { env: ["A=1"] } },
    message:
      'Invalid stack config: ferry:app.env: got ["A=1"], expected a map of NAME: value, such as { API_BASE_URL: "https://..." }',
  },
  {
    title: "name upper",
    stack: "demo",
    merge: { "ferry:app": { name: "RAGstream" } },
    message:
      'Invalid stack config: ferry:app.name: got "RAGstream", expected a name of 2-40 lower-case letters, digits and hyphens, starting with a letter',
  },
  {
    title: "name 41",
    stack: "demo",
    merge: { "ferry:app": { name: "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" } },
    message:
      'Invalid stack config: ferry:app.name: got "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", expected a name of 2-40 lower-case letters, digits and hyphens, starting with a letter',
  },
  {
    title: "two sources",
    stack: "demo",
    merge: { "ferry:app": { secrets: { OPENAI_API_KEY: { ssmParameter: "/a/b", fromConfig: "k" } } } },
    message:
      'Invalid stack config: ferry:app.secrets.OPENAI_API_KEY: got {"ssmParameter":"/a/b","fromConfig":"k"}, expected exactly one of ssmParameter, secretsManager, fromConfig',
  },
  {
    title: "no source",
    stack: "demo",
    merge: { "ferry:app": { secrets: { OPENAI_API_KEY: {} } } },
    message:
      "Invalid stack config: ferry:app.secrets.OPENAI_API_KEY: got {}, expected exactly one of ssmParameter, secretsManager, fromConfig",
  },
  {
    title: "secret in env",
    stack: "prod",
    merge: { "ferry:app": { env: { OPENAI_API_KEY: "sk-abc" } } },
    message:
      'Invalid stack config: ferry:app.env.OPENAI_API_KEY: got "sk-abc", expected no plain value for a secret-looking name; move it to app.secrets.OPENAI_API_KEY',
  },
  {
    title: "fromConfig unset",
    stack: "demo",
    merge: { "ferry:app": { secrets: { OPENAI_API_KEY: { fromConfig: "openaiApiKey" } } } },
    message:
      'Invalid stack config: ferry:app.secrets.OPENAI_API_KEY.fromConfig: config key "ferry:openaiApiKey" is not set; expected it set with: pulumi config set --secret openaiApiKey <value>',
  },
  {
    title: "fargate pair",
    stack: "prod",
    merge: { "ferry:app": { cpu: 512, memory: 512 } },
    message:
      "Invalid stack config: ferry:app.memory: got 512, expected a memory size Fargate allows with cpu 512: 1024, 2048, 3072, 4096",
  },
  {
    title: "fargate cpu",
    stack: "prod",
    merge: { "ferry:app": { cpu: 300 } },
    message:
      "Invalid stack config: ferry:app.cpu: got 300, expected a Fargate CPU size: one of 256, 512, 1024, 2048, 4096, 8192, 16384",
  },
  {
    title: "spot no base",
    stack: "prod",
    merge: { "ferry:fargate": { capacity: { onDemandBase: 0, spotWeight: 1 } } },
    message:
      "Invalid stack config: ferry:fargate.capacity.onDemandBase: got 0, expected at least 1 when spotWeight > 0, so a Spot interruption never takes every task",
  },
  {
    title: "arm64 image on an x86 task",
    stack: "prod",
    merge: { "ferry:image": { platform: "linux/arm64" }, "ferry:fargate": { cpuArchitecture: "X86_64" } },
    message:
      'Invalid stack config: ferry:image.platform: got "linux/arm64", expected "linux/amd64" to run on ferry:fargate.cpuArchitecture X86_64 (or change cpuArchitecture)',
  },
  {
    title: "amd64 image on an ARM64 task",
    stack: "prod",
    merge: { "ferry:image": { platform: "linux/amd64" }, "ferry:fargate": { cpuArchitecture: "ARM64" } },
    message:
      'Invalid stack config: ferry:image.platform: got "linux/amd64", expected "linux/arm64" to run on ferry:fargate.cpuArchitecture ARM64 (or change cpuArchitecture)',
  },
  {
    title: "plain-HTTP opt-out with a domain",
    stack: "prod",
    merge: { "ferry:fargate": { insecureHttpOnly: true, taskNetwork: "public-ipv4" } },
    set: { "ferry:dns": { domain: "example.com", record: "app" } },
    message:
      "Invalid stack config: ferry:fargate.insecureHttpOnly: got true, expected false or unset while ferry:dns is set (a domain is always served over HTTPS through CloudFront)",
  },
  {
    title: "t4g amd64",
    stack: "demo",
    set: { "ferry:demo": { instanceType: "t4g.small" } },
    message:
      'Invalid stack config: ferry:image.platform: got "linux/amd64", expected "linux/arm64" to run on instance type t4g.small',
  },
  {
    title: "demo block in prod",
    stack: "prod",
    set: { "ferry:demo": { instanceType: "t3.small" } },
    message:
      'Invalid stack config: ferry:demo: got {"instanceType":"t3.small"}, expected no ferry:demo block with topology "fargate-ha" (it would be ignored)',
  },
  {
    title: "uri + context",
    stack: "demo",
    set: {
      "ferry:image": {
        uri: "108782059508.dkr.ecr.eu-central-1.amazonaws.com/ragstream-web:v1",
        context: "./app",
      },
    },
    message:
      'Invalid stack config: ferry:image.context: got "./app", expected unset when image.uri names an existing image',
  },
  {
    title: "context missing",
    stack: "demo",
    set: { "ferry:image": { context: "./nope" } },
    message: `Invalid stack config: ferry:image.context: got "./nope", expected a directory (not found at ${ROOT}/nope)`,
  },
  {
    title: "account number",
    stack: "demo",
    set: { "aws:allowedAccountIds": [108782059508] },
    message:
      'Invalid stack config: aws:allowedAccountIds[0]: got 108782059508, expected a 12-digit AWS account id in quotes, such as "123456789012"',
  },
  {
    title: "account missing",
    stack: "demo",
    remove: ["aws:allowedAccountIds"],
    message:
      'Invalid stack config: aws:allowedAccountIds: got missing, expected a list with this stack\'s account id, such as ["123456789012"]',
  },
  {
    title: "powerState on",
    stack: "demo",
    set: { "ferry:demo": { powerState: "on" } },
    message:
      'Invalid stack config: ferry:demo.powerState: got "on", expected "running" or "stopped" (or leave unset)',
  },
  {
    title: "idle cpu 0",
    stack: "demo",
    set: { "ferry:demo": { idleStop: { cpuPercent: 0 } } },
    message:
      "Invalid stack config: ferry:demo.idleStop.cpuPercent: got 0, expected a CPU percentage: an integer from 1 to 99",
  },
  {
    title: "record upper",
    stack: "demo",
    merge: { "ferry:dns": { record: "Demo" } },
    message:
      'Invalid stack config: ferry:dns.record: got "Demo", expected a record name such as "demo" (lower-case letters, digits, hyphens), or "@" for the zone apex',
  },
  {
    title: "repo upper",
    stack: "demo",
    set: { "ferry:registry": { name: "RAGstream-web" } },
    message:
      'Invalid stack config: ferry:registry.name: got "RAGstream-web", expected an ECR repository name such as "ragstream-web" (lower-case, digits, . _ - /)',
  },
  {
    title: "keep 0",
    stack: "demo",
    set: { "ferry:registry": { keepImages: 0 } },
    message:
      "Invalid stack config: ferry:registry.keepImages: got 0, expected an image count: an integer from 1 to 1000",
  },
  {
    title: "vpc without subnets",
    stack: "prod",
    merge: { "ferry:fargate": { vpcId: "vpc-0123456789abcdef0", taskNetwork: "public-ipv4" } },
    message:
      "Invalid stack config: ferry:fargate.subnetIds: got missing, expected vpcId and subnetIds set together (an existing VPC needs its public subnets named)",
  },
  {
    title: "app missing",
    stack: "demo",
    remove: ["ferry:app"],
    message:
      "Invalid stack config: ferry:app: got missing, expected a map with the keys name, port, healthPath, env, secrets, cpu, memory, dataBucket",
  },
  {
    title: "image uri bad",
    stack: "prod",
    set: { "ferry:image": { uri: "nginx" } },
    merge: { "ferry:fargate": { taskNetwork: "public-ipv4" } },
    message:
      'Invalid stack config: ferry:image.uri: got "nginx", expected an image reference with a tag or digest, such as "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:v1"',
  },
  {
    title: "min above the default desired count",
    stack: "prod",
    merge: { "ferry:fargate": { minCount: 3 } },
    message:
      "Invalid stack config: ferry:fargate.desiredCount: got 2 (the default), expected between minCount (3) and maxCount (10)",
  },
  {
    title: "data bucket variable already set in env",
    stack: "prod",
    merge: { "ferry:app": { env: { S3_BUCKET: "x" }, dataBucket: {} } },
    message:
      'Invalid stack config: ferry:app.dataBucket.envVar: got "S3_BUCKET" (the default), expected a variable name not also set by ferry:app.env.S3_BUCKET',
  },
  {
    title: "env value with a newline",
    stack: "prod",
    merge: { "ferry:app": { env: { GREETING: "hello\nworld" } } },
    message:
      'Invalid stack config: ferry:app.env.GREETING: got "hello\\nworld", expected a single-line value (no newline or NUL: env files and task definitions cannot carry them)',
  },
  // HTTPS on the demo and the wake page.
  {
    title: "https without a domain",
    stack: "demo",
    remove: ["ferry:dns"],
    merge: { "ferry:demo": { https: true } },
    message:
      "Invalid stack config: ferry:demo.https: got true, expected false or unset without ferry:dns (Let's Encrypt certifies a domain name, not an IP address)",
  },
  {
    title: "openHttp while HTTPS is on by default",
    stack: "demo",
    merge: { "ferry:demo": { openHttp: true } },
    message:
      "Invalid stack config: ferry:demo.openHttp: got true, expected false while HTTPS is on (demo.https is on by default with ferry:dns): port 80 then redirects to HTTPS",
  },
  {
    title: "app on port 443 with HTTPS",
    stack: "demo",
    merge: { "ferry:app": { port: 443 } },
    message:
      "Invalid stack config: ferry:app.port: got 443, expected a port other than 80 and 443 while HTTPS is on (demo.https is on by default with ferry:dns): the proxy listens on them",
  },
  {
    title: "ACME e-mail while HTTPS is off",
    stack: "demo",
    merge: { "ferry:demo": { https: false, acmeEmail: "ops@example.com" } },
    message:
      'Invalid stack config: ferry:demo.acmeEmail: got "ops@example.com", expected unset while demo.https is off (it would be ignored)',
  },
  {
    title: "ACME e-mail not an address",
    stack: "demo",
    merge: { "ferry:demo": { acmeEmail: "ops" } },
    message:
      'Invalid stack config: ferry:demo.acmeEmail: got "ops", expected an e-mail address such as "ops@example.com"',
  },
  {
    title: "wake page with powerState stopped",
    stack: "demo",
    merge: { "ferry:demo": { powerState: "stopped", wake: {} } },
    message:
      'Invalid stack config: ferry:demo.powerState: got "stopped", expected unset while demo.wake is on ("stopped" makes every pulumi up, a CI deploy included, stop a demo a visitor just started)',
  },
  {
    title: "ACME e-mail with a quote",
    stack: "demo",
    merge: { "ferry:demo": { acmeEmail: "o'neil@example.com" } },
    message:
      'Invalid stack config: ferry:demo.acmeEmail: got "o\'neil@example.com", expected an e-mail address such as "ops@example.com"',
  },
  {
    title: "wake page without the idle stop",
    stack: "demo",
    merge: { "ferry:demo": { idleStop: { enabled: false }, wake: {} } },
    message:
      "Invalid stack config: ferry:demo.idleStop.enabled: got false, expected true while demo.wake is on (every start by a visitor must end by itself)",
  },
  {
    title: "wake limit 0",
    stack: "demo",
    merge: { "ferry:demo": { wake: { dailyStartLimit: 0 } } },
    message:
      "Invalid stack config: ferry:demo.wake.dailyStartLimit: got 0, expected a number of starts per day: an integer from 1 to 48",
  },
  {
    title: "wake passcode from two places",
    stack: "demo",
    merge: { "ferry:demo": { wake: { passcode: { fromConfig: "wakePasscode", ssmParameter: "/a/b" } } } },
    message:
      'Invalid stack config: ferry:demo.wake.passcode: got {"fromConfig":"wakePasscode","ssmParameter":"/a/b"}, expected exactly one of fromConfig, ssmParameter',
  },
  {
    title: "wake passcode config key not set",
    stack: "demo",
    merge: { "ferry:demo": { wake: { passcode: { fromConfig: "wakePasscode" } } } },
    message:
      'Invalid stack config: ferry:demo.wake.passcode.fromConfig: config key "ferry:wakePasscode" is not set; expected it set with: pulumi config set --secret wakePasscode <value>',
  },
  {
    title: "wake typo",
    stack: "demo",
    merge: { "ferry:demo": { wake: { dailyLimit: 3 } } },
    message:
      'Invalid stack config: ferry:demo.wake: unknown key "dailyLimit", expected one of: enabled, dailyStartLimit, reservedConcurrency, passcode',
  },
  {
    title: "wake passcode shorter than the minimum (the value is never shown)",
    stack: "demo",
    set: { "ferry:wakePasscode": "1234" },
    secret: ["ferry:wakePasscode"],
    merge: { "ferry:demo": { wake: { passcode: { fromConfig: "wakePasscode" } } } },
    message:
      "Invalid stack config: ferry:wakePasscode: got a secret value (not shown), expected a passcode of at least 8 characters (ferry:demo.wake.passcode)",
  },
  {
    title: "wake reserved concurrency 0 (which would disable the function)",
    stack: "demo",
    merge: { "ferry:demo": { wake: { reservedConcurrency: 0 } } },
    message:
      "Invalid stack config: ferry:demo.wake.reservedConcurrency: got 0, expected a number of concurrent executions (or false for none): an integer from 1 to 20",
  },
  {
    title: "IPv6-only tasks in an existing VPC",
    stack: "prod",
    merge: {
      "ferry:fargate": {
        taskNetwork: "ipv6-only",
        vpcId: "vpc-0123456789abcdef0",
        subnetIds: ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"],
      },
    },
    message:
      'Invalid stack config: ferry:fargate.taskNetwork: got "ipv6-only", expected "public-ipv4" while vpcId is set (ipv6-only builds its own IPv6-only subnets in the VPC ferry creates: remove vpcId and subnetIds to keep ipv6-only)',
  },
  {
    title: "IPv6-only tasks with the plain-HTTP opt-out",
    stack: "prod",
    merge: { "ferry:fargate": { taskNetwork: "ipv6-only", insecureHttpOnly: true } },
    message:
      'Invalid stack config: ferry:fargate.taskNetwork: got "ipv6-only", expected "public-ipv4" while insecureHttpOnly is true (ipv6-only puts the load balancer behind CloudFront: remove insecureHttpOnly to keep ipv6-only)',
  },
  {
    title: "IPv6-only tasks with an IPv4 egress rule",
    stack: "prod",
    merge: {
      "ferry:fargate": { taskNetwork: "ipv6-only", extraEgress: [{ port: 5432, cidr: "10.20.0.0/16" }] },
    },
    message:
      'Invalid stack config: ferry:fargate.extraEgress[0].cidr: got "10.20.0.0/16", expected an IPv6 CIDR while taskNetwork is ipv6-only (tasks have no IPv4 address or route; an IPv6 destination, or taskNetwork: public-ipv4)',
  },
  {
    title: "an IPv6 egress rule for tasks with public IPv4",
    stack: "prod",
    merge: {
      "ferry:fargate": {
        taskNetwork: "public-ipv4",
        extraEgress: [{ port: 5432, cidr: "2600:1f18:abc::/48" }],
      },
    },
    message:
      'Invalid stack config: ferry:fargate.extraEgress[0].cidr: got "2600:1f18:abc::/48", expected an IPv4 CIDR while taskNetwork is public-ipv4 (tasks have no IPv6 address; an IPv4 destination, or taskNetwork: ipv6-only)',
  },
  {
    title: "an IPv6 egress CIDR not in canonical form",
    stack: "prod",
    merge: {
      "ferry:fargate": {
        taskNetwork: "ipv6-only",
        extraEgress: [{ port: 5432, cidr: "2600:1F18:0ABC::/48" }],
      },
    },
    message:
      'Invalid stack config: ferry:fargate.extraEgress[0].cidr: got "2600:1F18:0ABC::/48", expected the canonical form "2600:1f18:abc::/48" (AWS stores that text)',
  },
  {
    title: "IPv6-only tasks calling an IPv4 address",
    stack: "prod",
    // Only the host is shown: the rest of a URL may carry a token.
    merge: { "ferry:app": { env: { API_BASE_URL: "http://203.0.113.7:8080/dev?token=s3cr3tvalue" } } },
    message:
      'Invalid stack config: ferry:app.env.API_BASE_URL: got "203.0.113.7", expected a URL on a host that answers on IPv6 while ferry:fargate.taskNetwork is ipv6-only (this is an IPv4 address; the tasks have no IPv4), or taskNetwork: public-ipv4',
  },
  {
    title: "a VPC too small for the load balancer's private subnets",
    stack: "prod",
    merge: { "ferry:fargate": { vpcCidr: "10.0.0.0/24" } },
    message:
      'Invalid stack config: ferry:fargate.vpcCidr: got "10.0.0.0/24", expected a VPC CIDR with room for 2 task and 2 private subnets of the same size (a /22 or larger)',
  },
  {
    title: "IPv6-only tasks with an image outside ECR",
    stack: "prod",
    set: { "ferry:image": { uri: `ghcr.io/acme/dashboard@sha256:${"d".repeat(64)}` } },
    merge: { "ferry:fargate": { taskNetwork: "ipv6-only" } },
    message:
      'Invalid stack config: ferry:image.uri: got "ghcr.io/acme/dashboard@sha256:dddddddddddddddddddddddddd..., expected an image in Amazon ECR ("<account>.dkr.ecr.<region>.amazonaws.com/<repo>:<tag>"), or a build, while ferry:fargate.taskNetwork is ipv6-only',
  },
  {
    title: "maximum runtime below 15 minutes",
    stack: "demo",
    merge: { "ferry:demo": { maxRuntime: { minutes: 5 } } },
    message:
      "Invalid stack config: ferry:demo.maxRuntime.minutes: got 5, expected a number of minutes (10080 is a week): an integer from 15 to 10080",
  },
];
