// Globals main.ts finds on the board (Moddable's `device` and `trace`), as the simulator provides them when it runs
// main.ts under Node (hosts/sim/start.ts). The firmware build type-checks main.ts against @moddable/typings instead.
import type { SimBoardDevice } from "./device";

declare global {
  var device: SimBoardDevice;
  var trace: (text: string) => void;
}
