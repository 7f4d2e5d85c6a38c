// ECR repository + the image deployed from it (S1, S2, S3). Consumers deploy `ref` (repo@sha256:…), never
// a tag: a new build changes the digest and rolls out; an unchanged build keeps it and nothing moves.
import * as path from "node:path";
import * as aws from "@pulumi/aws";
import * as dockerBuild from "@pulumi/docker-build";
import * as pulumi from "@pulumi/pulumi";
import type { ImageConfig } from "../config";

export interface AppImageArgs {
  /** ECR repository name, e.g. "ragstream-web". */
  readonly repositoryName: string;
  /** Images the lifecycle policy keeps (`ferry:registry.keepImages`). */
  readonly keepImages: number;
  /** Build settings, or an existing image to deploy instead of building. */
  readonly image: ImageConfig;
  /** Tag for this build besides "latest" (the git commit SHA; see sourceTag.ts). */
  readonly sourceTag: string;
  /** Protect the repository from `pulumi destroy`, replacement and renames without an alias. @default true */
  readonly protect?: boolean;
}

/** Tag of the registry build cache; the lifecycle policy never expires it. */
export const CACHE_TAG = "buildcache";

/**
 * Lifecycle policy: keep the newest `keep` images. The cache manifest is matched first by a rule of its own,
 * so the "any" rule can never expire it (ECR: an image matched by a higher-priority rule is not evaluated by
 * lower ones).
 */
export function lifecyclePolicy(keep: number): string {
  return JSON.stringify({
    rules: [
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
        description: `Keep the ${keep} newest images`,
        selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: keep },
        action: { type: "expire" },
      },
    ],
  });
}

function relative(p: string): string {
  return path.relative(process.cwd(), p) || ".";
}

/** IAM statements that let a runtime role pull images from exactly one repository. */
export function ecrPullStatements(repositoryArn: string) {
  return [
    // ecr:GetAuthorizationToken has no resource-level permissions: AWS accepts only "*" for it. The token
    // alone reads nothing; the pull actions are limited to this one repository.
    { Sid: "EcrLogin", Effect: "Allow" as const, Action: ["ecr:GetAuthorizationToken"], Resource: "*" },
    {
      Sid: "EcrPull",
      Effect: "Allow" as const,
      Action: ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"],
      Resource: [repositoryArn],
    },
  ];
}

/** The parts of an ECR image reference "<acct>.dkr.ecr.<region>.amazonaws.com/<repo>[:tag][@sha256:…]". */
export interface EcrRef {
  readonly registryId: string;
  readonly region: string;
  readonly repository: string;
  readonly tag?: string;
  readonly digest?: string;
}

/**
 * The one parser of ECR image references in the program: everything that needs the repository, registry or
 * region of an image URI asks this function (or reads `AppImage.pullRepositoryArn`). Both registry hosts:
 * "<acct>.dkr.ecr.<region>.amazonaws.com" and the dual-stack "<acct>.dkr-ecr.<region>.on.aws". Undefined for
 * an image outside ECR.
 */
export function parseEcrRef(uri: string): EcrRef | undefined {
  const m =
    /^(\d{12})\.(?:dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com|dkr-ecr\.([a-z0-9-]+)\.on\.aws)\/([a-z0-9._/-]+?)(?::([A-Za-z0-9_][A-Za-z0-9_.-]*))?(?:@(sha256:[0-9a-f]{64}))?$/.exec(
      uri,
    );
  return m
    ? { registryId: m[1], region: m[2] ?? m[3], repository: m[4], tag: m[5], digest: m[6] }
    : undefined;
}

/** Splits "acct.dkr.ecr.region.amazonaws.com/repo:tag" into its parts; undefined when not an ECR tag reference. */
export function parseEcrTagRef(
  uri: string,
): { registryId: string; region: string; repository: string; tag: string } | undefined {
  const ref = parseEcrRef(uri);
  return ref?.tag !== undefined && ref.digest === undefined
    ? { registryId: ref.registryId, region: ref.region, repository: ref.repository, tag: ref.tag }
    : undefined;
}

/** ARN of the repository an ECR image reference names; undefined for an image outside ECR. */
export function ecrRepositoryArn(uri: string): string | undefined {
  const ref = parseEcrRef(uri);
  return ref && `arn:aws:ecr:${ref.region}:${ref.registryId}:repository/${ref.repository}`;
}

/**
 * The same image through ECR's dual-stack (IPv4 and IPv6) registry endpoint,
 * "<acct>.dkr-ecr.<region>.on.aws/<repo>…": a task with no IPv4 route pulls only from there. Undefined for an
 * image outside ECR.
 */
export function dualStackImageRef(uri: string): string | undefined {
  const ref = parseEcrRef(uri);
  if (!ref) return undefined;
  const tag = ref.tag === undefined ? "" : `:${ref.tag}`;
  const digest = ref.digest === undefined ? "" : `@${ref.digest}`;
  return `${ref.registryId}.dkr-ecr.${ref.region}.on.aws/${ref.repository}${tag}${digest}`;
}

export class AppImage extends pulumi.ComponentResource {
  public readonly repositoryUrl: pulumi.Output<string>;
  public readonly repositoryArn: pulumi.Output<string>;
  public readonly repositoryName: pulumi.Output<string>;
  /** "sha256:…" of the deployed image. */
  public readonly digest: pulumi.Output<string>;
  /** Immutable reference `repo@sha256:…`; deploy this, never a tag. */
  public readonly ref: pulumi.Output<string>;
  /**
   * `ref` through ECR's dual-stack endpoint, for tasks that have only IPv6; undefined for an image outside
   * ECR (the config refuses that combination).
   */
  public readonly dualStackRef: pulumi.Output<string | undefined>;
  /** The source tag pushed besides "latest". */
  public readonly tag: string;
  /**
   * The ECR repository the deployed image is pulled from, for pull grants: this stack's repository for a
   * built image, the repository an external ECR URI names, undefined for an image outside ECR (no grant).
   */
  public readonly pullRepositoryArn: pulumi.Output<string> | undefined;

  constructor(name: string, args: AppImageArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ferry:registry:AppImage", name, {}, opts);
    this.tag = args.sourceTag;

    const repo = new aws.ecr.Repository(
      `${name}-repo`,
      {
        name: args.repositoryName,
        // "latest" moves on every build; deployments use digests, so tag immutability buys nothing here.
        imageTagMutability: "MUTABLE",
        imageScanningConfiguration: { scanOnPush: true },
        encryptionConfigurations: [{ encryptionType: "AES256" }],
        // forceDelete stays unset (false): AWS refuses to delete a repository that still holds images.
      },
      // Protected: the running service and the demo pull from it (tasks restart, instances boot), and a
      // replacement or a logical rename would delete it with every image. README, "Security", says how to
      // remove or rename it on purpose.
      { parent: this, protect: args.protect ?? true },
    );
    new aws.ecr.LifecyclePolicy(
      `${name}-lifecycle`,
      { repository: repo.name, policy: lifecyclePolicy(args.keepImages) },
      { parent: this },
    );
    this.repositoryUrl = repo.repositoryUrl;
    this.repositoryArn = repo.arn;
    this.repositoryName = repo.name;

    if (args.image.kind === "build") {
      const built = this.build(name, repo, args.image, args.sourceTag);
      this.digest = built.digest;
      this.ref = pulumi.interpolate`${repo.repositoryUrl}@${built.digest}`;
      this.pullRepositoryArn = repo.arn;
    } else {
      const resolved = this.resolveExisting(args.image.uri);
      this.digest = resolved.digest;
      this.ref = resolved.ref;
      const external = ecrRepositoryArn(args.image.uri);
      this.pullRepositoryArn = external === undefined ? undefined : pulumi.output(external);
    }

    this.dualStackRef = this.ref.apply(dualStackImageRef);

    this.registerOutputs({ repositoryUrl: this.repositoryUrl, digest: this.digest, ref: this.ref });
  }

  private build(
    name: string,
    repo: aws.ecr.Repository,
    image: Extract<ImageConfig, { kind: "build" }>,
    sourceTag: string,
  ): dockerBuild.Image {
    // Short-lived ECR credentials for the build's push; the provider keeps them in memory only.
    const auth = aws.ecr.getAuthorizationTokenOutput({ registryId: repo.registryId }, { parent: this });
    const registry = repo.repositoryUrl.apply((url) => url.split("/")[0]);
    const cacheRef = pulumi.interpolate`${repo.repositoryUrl}:${CACHE_TAG}`;
    return new dockerBuild.Image(
      `${name}-image`,
      {
        // Relative to the project (Pulumi's working directory): an absolute path in state would differ on
        // every laptop and CI runner and show a diff on each preview.
        context: { location: relative(image.context) },
        dockerfile: { location: relative(image.dockerfile) },
        platforms: [image.platform],
        target: image.target,
        buildArgs: image.buildArgs,
        tags: [
          pulumi.interpolate`${repo.repositoryUrl}:${sourceTag}`,
          pulumi.interpolate`${repo.repositoryUrl}:latest`,
        ],
        push: true,
        buildOnPreview: image.buildOnPreview,
        registries: [{ address: registry, username: auth.userName, password: auth.password }],
        // ECR accepts registry caches only as an image manifest with OCI media types.
        cacheFrom: [{ registry: { ref: cacheRef } }],
        cacheTo: [{ registry: { ref: cacheRef, imageManifest: true, ociMediaTypes: true, mode: "max" } }],
        labels: { "org.opencontainers.image.revision": sourceTag },
      },
      { parent: this },
    );
  }

  private resolveExisting(uri: string): { digest: pulumi.Output<string>; ref: pulumi.Output<string> } {
    const at = uri.indexOf("@sha256:");
    if (at >= 0) return { digest: pulumi.output(uri.slice(at + 1)), ref: pulumi.output(uri) };
    const ecr = parseEcrTagRef(uri);
    if (ecr) {
      // Pin the tag to its digest now, so the deployment is immutable even if the tag moves later.
      const found = aws.ecr.getImageOutput(
        { registryId: ecr.registryId, repositoryName: ecr.repository, imageTag: ecr.tag },
        { parent: this },
      );
      const repoUrl = uri.slice(0, uri.lastIndexOf(":"));
      return { digest: found.imageDigest, ref: pulumi.interpolate`${repoUrl}@${found.imageDigest}` };
    }
    void pulumi.log.warn(
      `image.uri "${uri}" is not in ECR and has no digest: it is deployed by tag, so a re-pushed tag will ` +
        `not roll out. Pin it as "<repo>@sha256:<digest>" to make deployments immutable.`,
      this,
    );
    return { digest: pulumi.output(""), ref: pulumi.output(uri) };
  }
}
