// Globals main.ts finds on the board (Moddable's `device`, `trace` and `System`), as the simulator provides them when
// it runs main.ts under Node (hosts/sim/board.ts). The firmware build type-checks main.ts against @moddable/typings.
import type { SimBoardDevice } from "./device";

declare global {
  var device: SimBoardDevice;
  var trace: (text: string) => void;
  /** Moddable's `System` global, as far as the simulated board has it: restart() is esp_restart(). */
  var System: { restart(): void };
}
