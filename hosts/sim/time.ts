// Node stand-in for Moddable's `time` module (tsconfig.json maps the bare specifier `time` here): `Time.ticks` is the
// virtual time, in milliseconds, of the clock the simulator installed with useClock() (hosts/sim/timer.ts).
import { currentTimerClock } from "./timer";

const Time = {
  get ticks(): number {
    const clock = currentTimerClock();
    if (!clock) throw new Error("time: no simulated clock installed (call useClock(new VirtualClock()) first)");
    return clock.now();
  },
  delta(start: number, end?: number): number {
    return (end ?? Time.ticks) - start;
  },
  timezone: 0,
  dst: 0,
  set(_seconds: number): void {},
};

export default Time;
