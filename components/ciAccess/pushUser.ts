// "user" mode (the key-based model): an IAM user that may push to exactly one ECR repository.
import { policy, type PolicyDocument } from "./document";

export function ecrPushPolicy(repositoryArn: string): PolicyDocument {
  return policy([
    {
      // GetAuthorizationToken accepts only Resource "*"; the token grants nothing beyond this policy.
      Sid: "EcrLogin",
      Effect: "Allow",
      Action: ["ecr:GetAuthorizationToken"],
      Resource: "*",
    },
    {
      Sid: "EcrPush",
      Effect: "Allow",
      Action: [
        "ecr:BatchCheckLayerAvailability",
        "ecr:InitiateLayerUpload",
        "ecr:UploadLayerPart",
        "ecr:CompleteLayerUpload",
        "ecr:PutImage",
        "ecr:BatchGetImage",
        "ecr:GetDownloadUrlForLayer",
        "ecr:DescribeImages",
        "ecr:ListImages",
        "ecr:DescribeRepositories",
      ],
      Resource: repositoryArn,
    },
  ]);
}
