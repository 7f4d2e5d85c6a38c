// Unit tests for the shared components' pure helpers: names, image tags, ECR lifecycle, secret read policy.
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { zoneArn } from "../components/dns";
import { CACHE_TAG, lifecyclePolicy, parseEcrTagRef } from "../components/image";
import { NAME_LIMITS, physicalName, stackPrefix } from "../components/names";
import { readStatements } from "../components/secrets";
import { contentHash, resolveSourceTag } from "../components/sourceTag";

describe("physicalName", () => {
  it("keeps short names as they are", () => {
    assert.strictEqual(physicalName("ragstream-demo", "tg", NAME_LIMITS.targetGroup), "ragstream-demo-tg");
  });

  it("fits a 40-character app name into a 32-character target group name, deterministically", () => {
    const base = stackPrefix("a".repeat(20) + "-" + "b".repeat(19), "production");
    const name = physicalName(base, "tg", NAME_LIMITS.targetGroup);
    assert.ok(name.length <= 32, `${name} is ${name.length} characters`);
    assert.match(name, /^[a-z0-9-]+-[0-9a-f]{6}-tg$/);
    assert.strictEqual(physicalName(base, "tg", 32), name, "same inputs, same name");
  });

  it("gives different names to long bases that share their first 32 characters", () => {
    const a = physicalName("x".repeat(40) + "-one", "alb", 32);
    const b = physicalName("x".repeat(40) + "-two", "alb", 32);
    assert.notStrictEqual(a, b);
  });

  it("never leaves a hyphen where the cut falls", () => {
    const name = physicalName("abcdefghijklmnopqrstuvw-----xyz", "tg", 20);
    assert.doesNotMatch(name, /--/);
  });
});

describe("resolveSourceTag", () => {
  const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "ferry-tag-"));
  const git = (cwd: string, ...args: string[]) =>
    execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", ...args], {
      cwd,
      stdio: "pipe",
    });

  it("falls back to a content hash outside a git checkout, and the hash follows the content", () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, "Dockerfile"), "FROM scratch\n");
    const first = resolveSourceTag(dir);
    assert.strictEqual(first.source, "content-hash");
    assert.match(first.tag, /^ctx-[0-9a-f]{12}$/);
    assert.deepStrictEqual(resolveSourceTag(dir), first, "same content, same tag");
    fs.writeFileSync(path.join(dir, "Dockerfile"), "FROM busybox\n");
    assert.notStrictEqual(resolveSourceTag(dir).tag, first.tag);
  });

  it("uses the 12-character commit SHA in a clean checkout, and marks uncommitted changes", () => {
    const dir = tmp();
    git(dir, "init", "-q");
    fs.writeFileSync(path.join(dir, "app.py"), "print(1)\n");
    git(dir, "add", ".");
    git(dir, "commit", "-qm", "one");
    const sha = execFileSync("git", ["rev-parse", "--short=12", "HEAD"], {
      cwd: dir,
      encoding: "utf8",
    }).trim();
    assert.deepStrictEqual(resolveSourceTag(dir), { tag: sha, source: "git" });
    fs.writeFileSync(path.join(dir, "app.py"), "print(2)\n");
    const dirty = resolveSourceTag(dir);
    assert.strictEqual(dirty.source, "git-dirty");
    assert.match(dirty.tag, new RegExp(`^${sha}-dirty-[0-9a-f]{6}$`));
  });

  it("ignores .git and node_modules in the content hash", () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, "a"), "1");
    const before = contentHash(dir);
    fs.mkdirSync(path.join(dir, "node_modules"));
    fs.writeFileSync(path.join(dir, "node_modules", "x"), "2");
    assert.strictEqual(contentHash(dir), before);
  });
});

describe("ECR lifecycle policy (S1)", () => {
  it("keeps the N newest images and never expires the build cache", () => {
    const policy = JSON.parse(lifecyclePolicy(10));
    assert.deepStrictEqual(policy.rules, [
      {
        rulePriority: 1,
        description: "Keep the build cache manifest",
        selection: {
          tagStatus: "tagged",
          tagPrefixList: [CACHE_TAG],
          countType: "imageCountMoreThan",
          countNumber: 1,
        },
        action: { type: "expire" },
      },
      {
        rulePriority: 2,
        description: "Keep the 10 newest images",
        selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: 10 },
        action: { type: "expire" },
      },
    ]);
  });
});

describe("parseEcrTagRef (S3)", () => {
  it("splits an ECR tag reference and rejects other registries and digests", () => {
    assert.deepStrictEqual(
      parseEcrTagRef("108782059508.dkr.ecr.eu-central-1.amazonaws.com/ragstream-web:v1"),
      {
        registryId: "108782059508",
        region: "eu-central-1",
        repository: "ragstream-web",
        tag: "v1",
      },
    );
    assert.strictEqual(parseEcrTagRef("ghcr.io/org/app:v1"), undefined);
    assert.strictEqual(parseEcrTagRef(`1.dkr.ecr.x.amazonaws.com/a@sha256:${"a".repeat(64)}`), undefined);
  });
});

describe("secret read statements (S4)", () => {
  it("grants exactly the listed parameters and secrets, and kms:Decrypt only for customer keys", () => {
    const key = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555";
    assert.deepStrictEqual(
      readStatements([
        { kind: "ssm", arn: "arn:aws:ssm:eu-central-1:1:parameter/ragstream/prod/OPENAI_API_KEY" },
        {
          kind: "secretsmanager",
          arn: "arn:aws:secretsmanager:us-east-1:1:secret:app/jwt-AbCdEf",
          kmsKeyArn: key,
        },
      ]),
      [
        {
          Effect: "Allow",
          Action: ["ssm:GetParameter", "ssm:GetParameters"],
          Resource: ["arn:aws:ssm:eu-central-1:1:parameter/ragstream/prod/OPENAI_API_KEY"],
        },
        {
          Effect: "Allow",
          Action: ["secretsmanager:GetSecretValue"],
          Resource: ["arn:aws:secretsmanager:us-east-1:1:secret:app/jwt-AbCdEf"],
        },
        { Effect: "Allow", Action: ["kms:Decrypt"], Resource: [key] },
      ],
    );
    assert.deepStrictEqual(readStatements([]), []);
  });
});

describe("zoneArn", () => {
  it("has no region or account (Route 53 is global)", () => {
    assert.strictEqual(zoneArn("Z123"), "arn:aws:route53:::hostedzone/Z123");
  });
});
