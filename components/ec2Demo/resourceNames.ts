// Names the demo derives from the stack prefix, each made in one place.
import { physicalName } from "../names";

/** SSM String parameter holding the image reference the instance runs. The one place this name is made. */
export function imageParameterName(prefix: string): string {
  return `/ferry/${prefix}/image`;
}

/** The idle-stop alarm: the alarm itself, the instance's reset grant and the start script all use this name. */
export function idleAlarmName(prefix: string): string {
  return physicalName(prefix, "idle-stop", 255);
}
