// `hookline`: the command-line client of a Hookline API. Wires the process to the program.
import { runCli } from "./program.js";

process.exitCode = await runCli(process.argv, {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  onInterrupt: (stop) => {
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  },
});
