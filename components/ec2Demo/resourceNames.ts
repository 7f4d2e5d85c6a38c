// Names the demo derives from the stack prefix, each made in one place.

/** SSM String parameter holding the image reference the instance runs. The one place this name is made. */
export function imageParameterName(prefix: string): string {
  return `/ferry/${prefix}/image`;
}
