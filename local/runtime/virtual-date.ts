/**
 * Makes `new Date()` and `Date.now()` read the virtual clock, so handlers, the AWS SDK and the Step
 * Functions runner all agree on what time it is in the simulation. Real durations are measured with
 * `performance.now()`, which this leaves alone.
 */
const RealDate = Date;

export function installVirtualDate(now: () => number): () => void {
  class VirtualDate extends RealDate {
    constructor(...args: unknown[]) {
      if (args.length === 0) super(now());
      else super(...(args as [string | number | Date]));
    }
    static override now(): number {
      return now();
    }
  }
  globalThis.Date = VirtualDate as DateConstructor;
  return () => {
    globalThis.Date = RealDate;
  };
}
