// A stand-in for an AWS SDK v3 client, shared by the Lambda handler tests (wake page, DNS parking): it records
// each command it is sent and answers through `reply`, which may throw to play an AWS error.

export interface Call {
  name: string;
  input: any;
}

export class StandIn {
  readonly calls: Call[] = [];
  constructor(private readonly reply: (command: any) => unknown = () => ({})) {}
  send(command: any): Promise<unknown> {
    this.calls.push({ name: command.constructor.name, input: command.input });
    try {
      return Promise.resolve(this.reply(command));
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }
  /** The command names, in the order sent. */
  names(): string[] {
    return this.calls.map((call) => call.name);
  }
}
