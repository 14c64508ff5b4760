// xsnap entry for xs.test.ts: runs the config scenario on XS with the xsnap `preference` stand-in and leaves the
// result, as ASCII bytes, in globalThis.configResult.
import { configScenario } from "./xs-scenario";
import Preference from "preference";

const text = configScenario(Preference);
const bytes = new Uint8Array(text.length);
for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i) & 0xff;
(globalThis as unknown as { configResult: ArrayBuffer }).configResult = bytes.buffer;
