// The simulated BCM53125: model (SpiDevice + board side), its register map and its named assumptions.
export { Bcm53125Model } from "./model";
export type { Bcm53125Faults, Bcm53125ModelOptions, DeadBusLevel, IngressFrame, UnmodeledAccess, UnmodeledAccessKind } from "./model";
export { BCM53125_ASSUMPTIONS, lowBitsModuloMemberIndex, xorFoldArlBucket } from "./assumptions";
export type { Bcm53125Assumptions, TrunkHashSelect } from "./assumptions";
export { ARL, CFP, CONTROL, MANAGEMENT, MIB, PAGE, PORTS, PORT_VLAN, SPI, STATUS, TRUNK } from "./registers";
export type { CfpRule } from "./cfp";
export { ARL_ENTRIES } from "./arl";
