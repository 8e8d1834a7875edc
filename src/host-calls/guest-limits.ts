// The answer to the guest's `call('limits')`: the app's limits the guest applies itself before
// it asks the host for anything (WireGuestLimits in src/protocol/bridge.ts).
import { setFlagsFromString } from 'node:v8';
import { WASM_PAGES_PER_MB, type WireGuestLimits } from '../protocol/bridge.js';

/** `log` is the console's [linesPerSec, bytesPerSec, maxLineBytes]; wasm memory gets memoryMb. */
export function guestLimits(log: readonly [number, number, number], memoryMb: number): WireGuestLimits {
  return [log[0], log[1], log[2], memoryMb * WASM_PAGES_PER_MB];
}

let wasmCapMb = 0;
/**
 * Caps every WebAssembly memory in the process at `memoryMb` (V8's --wasm-max-mem-pages, read at
 * each allocation and growth), the largest memoryMb of the configured apps: wasm memory is not
 * in any isolate's heap limit, and a module's own `memory.grow` instructions are not seen by the
 * guest's accounting (runtime-guest/webassembly.ts), so this is the bound for one memory.
 */
export function capWasmMemory(memoryMb: number): void {
  if (memoryMb === wasmCapMb || !Number.isSafeInteger(memoryMb) || memoryMb <= 0) return;
  wasmCapMb = memoryMb;
  setFlagsFromString(`--wasm-max-mem-pages=${memoryMb * WASM_PAGES_PER_MB}`);
}
