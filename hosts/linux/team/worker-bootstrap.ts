// Starts a worker thread running a TypeScript module. Node 20 does not carry the tsx loader into workers,
// so the worker first registers tsx (when the parent runs under it), then imports the module.
import { Worker } from "node:worker_threads";

export function startTypeScriptWorker(moduleUrl: URL, workerData: unknown): Worker {
  let tsxApi: string | null = null;
  try {
    tsxApi = import.meta.resolve("tsx/esm/api");
  } catch {
    tsxApi = null; // running compiled JavaScript: nothing to register
  }
  const target = JSON.stringify(moduleUrl.href);
  const source = tsxApi
    ? `import(${JSON.stringify(tsxApi)}).then((api) => { api.register(); return import(${target}); }).catch((error) => { throw error; });`
    : `import(${target});`;
  return new Worker(source, { eval: true, workerData });
}
