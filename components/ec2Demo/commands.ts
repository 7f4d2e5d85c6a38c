// What a person (and `pulumi up`) runs against the instance: CLI command strings and the rollout script.
import { UNIT_NAME } from "./userData";

/** The rollout script, relative to the project root (where `pulumi up` runs local commands). */
export const ROLLOUT_SCRIPT = "scripts/instance/rollout.sh";

/** Commands a person runs against the instance (stack outputs). */
export function demoCommands(region: string, instanceId: string, profile?: string) {
  const p = profile ? ` --profile ${profile}` : "";
  const session = `aws ssm start-session${p} --region ${region} --target ${instanceId}`;
  return {
    startCommand: `aws ec2 start-instances${p} --region ${region} --instance-ids ${instanceId}`,
    stopCommand: `aws ec2 stop-instances${p} --region ${region} --instance-ids ${instanceId}`,
    logsCommand: `${session} --document-name AWS-StartInteractiveCommand --parameters '{"command":["sudo journalctl -u ${UNIT_NAME} -n 200 -f"]}'`,
    shellCommand: session,
  };
}
