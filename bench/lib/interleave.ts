// Two (or more) sides measured in alternating rounds — A B, B A, A B… — so that a change in the
// machine's background load during the run hits both alike; each side's figure is its median round.
import type { ClosedLoopResult } from "./closed-loop.js";

export type Interleaved = { median: ClosedLoopResult; rounds: ClosedLoopResult[] };

export async function interleave(
  rounds: number,
  sides: readonly (() => Promise<ClosedLoopResult>)[],
): Promise<Interleaved[]> {
  const results: ClosedLoopResult[][] = sides.map(() => []);
  for (let round = 0; round < rounds; round++) {
    const order = sides.map((_, index) => index);
    if (round % 2 === 1) order.reverse();
    for (const index of order)
      results[index]?.push(await (sides[index] as () => Promise<ClosedLoopResult>)());
  }
  return results.map((list) => ({ median: medianRound(list), rounds: list }));
}

/** The round with the median throughput, its latencies replaced by the median of each percentile. */
function medianRound(rounds: readonly ClosedLoopResult[]): ClosedLoopResult {
  const mid = <T>(values: T[], by: (value: T) => number) =>
    [...values].sort((a, b) => by(a) - by(b))[Math.floor((values.length - 1) / 2)] as T;
  const byRate = mid([...rounds], (round) => round.perSecond);
  const of = (pick: (round: ClosedLoopResult) => number) => pick(mid([...rounds], pick));
  return {
    ...byRate,
    requests: rounds.reduce((sum, round) => sum + round.requests, 0),
    durationS: rounds.reduce((sum, round) => sum + round.durationS, 0),
    p50: of((round) => round.p50),
    p90: of((round) => round.p90),
    p99: of((round) => round.p99),
    max: Math.max(...rounds.map((round) => round.max)),
    non2xx: rounds.reduce((sum, round) => sum + round.non2xx, 0),
    errors: rounds.reduce((sum, round) => sum + round.errors, 0),
  };
}
