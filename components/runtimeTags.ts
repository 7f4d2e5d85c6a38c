// Tags written at run time (not by `pulumi up`): the demo instance reports its boot progress and the wake page
// counts its starts on the instance itself. One module so that the instance side (components/ec2Demo), the
// wake page and the provider's ignoreTags (stacks/shared.ts) name the same keys.

/** Instance tag the start script writes its progress to ("<stage> <UTC time>"); the wake page reads it. */
export const STATUS_TAG = "ferry:status";
/** Instance tag the wake page counts its starts of the day in ("<YYYY-MM-DD> <n>"). */
export const WAKE_STARTS_TAG = "ferry:wake-starts";
/**
 * Instance tag the start script writes the public IPv4 it pointed the DNS record at to; the parking function
 * parks the record only while it still holds this address.
 */
export const ADDRESS_TAG = "ferry:address";
/** Instance tag the wake page writes a passcode lockout to ("<until UTC ISO time> <level>"). */
export const WAKE_LOCKOUT_TAG = "ferry:wake-lockout";
/** Tags written at run time by the instance and the wake page: the provider ignores them (stacks/shared.ts). */
export const RUNTIME_TAGS = [STATUS_TAG, WAKE_STARTS_TAG, ADDRESS_TAG, WAKE_LOCKOUT_TAG] as const;
