// The frame-level network of the simulated board. The code lives in ./network/ (fabric.ts: cables, hosts, switches,
// timing and loss, and the server that picks its NIC through the patent's table; managed-switch.ts: a BCM53125 model
// with its own firmware; macs.ts: vendor MAC populations). This file and ./network/index.ts export the same names, so
// "hosts/sim/network" resolves to the same module surface under TypeScript (file first) and tsx (folder first).
export * from "./network/index";
