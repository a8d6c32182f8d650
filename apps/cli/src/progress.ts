// Progress of a long operation on stderr: a live bar on a terminal, a line every tenth otherwise
// (CI logs, pipes), nothing at all in JSON mode.
import { Presets, SingleBar } from "cli-progress";
import type { OutputStream } from "./io.js";

export interface Progress {
  update(done: number): void;
  stop(): void;
}

export function createProgress(
  stream: OutputStream,
  total: number,
  options: { label: string; quiet: boolean },
): Progress {
  if (options.quiet || total === 0) return { update() {}, stop() {} };
  if (stream.isTTY) {
    const bar = new SingleBar(
      {
        stream: stream as NodeJS.WritableStream,
        format: `${options.label} [{bar}] {value}/{total} {percentage}% | eta {eta_formatted}`,
        hideCursor: true,
      },
      Presets.shades_classic,
    );
    bar.start(total, 0);
    return { update: (done) => bar.update(done), stop: () => bar.stop() };
  }
  const step = Math.max(1, Math.ceil(total / 10));
  return {
    update(done) {
      if (done % step === 0 || done === total) stream.write(`${options.label}: ${done}/${total}\n`);
    },
    stop() {},
  };
}
