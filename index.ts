// ferry: one program, two topologies. Everything is decided by the stack config (see README).
import { main } from "./stacks";

export = main();
