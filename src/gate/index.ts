export { runGate, EXIT, type GateIo } from './run-gate.js';
export { judge, type Judgement } from './judge.js';
export { gateHook } from './hook-main.js';
