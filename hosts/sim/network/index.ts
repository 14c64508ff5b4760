// The simulated frame-level network: import it as "hosts/sim/network" (this folder) or "hosts/sim/network.ts".
export * from "./fabric";
export { ManagedSwitch, BCM53125_SPI_HZ } from "./managed-switch";
export type { ManagedSwitchOptions, LogLine } from "./managed-switch";
