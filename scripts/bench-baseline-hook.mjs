#!/usr/bin/env node
// The bench's baseline hook: start node, run one `hg log` of the push, exit 0. What taskgate's
// gate adds is compared with what this adds (DESIGN §13).
import { spawnSync } from 'node:child_process';

const range = `${process.env.HG_NODE}:${process.env.HG_NODE_LAST}`;
const r = spawnSync('hg', ['log', '-r', range, '-T', '{node}{author}{desc}{branch}{p1node}{p2node}{files}\n'], {
  env: { ...process.env, HGPLAIN: '1' },
  stdio: ['ignore', 'pipe', 'inherit'],
  maxBuffer: 1 << 30,
});
process.exitCode = r.status ?? 1;
