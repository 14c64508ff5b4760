// The frame-level network of the simulated board. The code lives in ./network/ (fabric.ts: cables, hosts, switches,
// timing and loss; managed-switch.ts: a BCM53125 model with its own firmware; macs.ts: vendor MAC populations;
// server-nic-table.ts: the server's patent table). This file and ./network/index.ts export the same names, so
// "hosts/sim/network" resolves to the same module surface under TypeScript (file first) and tsx (folder first).
export * from "./network/index";
