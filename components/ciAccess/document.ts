// The shape of the IAM documents this folder builds. Pure data: tests and the IAM simulation read them as is.

export type ConditionBlock = Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;

export interface PolicyStatement {
  readonly Sid: string;
  readonly Effect: "Allow" | "Deny";
  readonly Principal?: { readonly Federated: string };
  readonly Action: string | readonly string[];
  readonly Resource?: string | readonly string[];
  readonly NotResource?: string | readonly string[];
  readonly Condition?: ConditionBlock;
}

export interface PolicyDocument {
  readonly Version: "2012-10-17";
  readonly Statement: readonly PolicyStatement[];
}

export function policy(statements: readonly PolicyStatement[]): PolicyDocument {
  const seen = new Set<string>();
  for (const s of statements) {
    if (seen.has(s.Sid)) throw new Error(`ciAccess: two statements named "${s.Sid}"`);
    seen.add(s.Sid);
  }
  return { Version: "2012-10-17", Statement: statements };
}
