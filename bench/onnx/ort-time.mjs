// Times one exported model on ONNX Runtime the way spaceevo-onnx-check times
// ours: 1 intra-op thread (sequential, 1 inter-op thread), all graph
// optimizations, float input (DIR/NAME.input.f32) and float output, 3
// warm-up runs, then runs until at least MIN_SECONDS and 10 runs; prints
// "ort NAME median_ms p10_ms p90_ms runs". Each timed run is one awaited
// session.run, so it includes the Node.js binding's call overhead (tens of
// microseconds).
//   node ort-time.mjs DIR NAME ORT_PREFIX [MIN_SECONDS]
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const [dir, name, ortPrefix, minSecondsArg] = process.argv.slice(2);
if (!ortPrefix) {
  console.error('usage: node ort-time.mjs DIR NAME ORT_PREFIX [MIN_SECONDS]');
  process.exit(2);
}
const minSeconds = Number(minSecondsArg ?? 1);
const require = createRequire(path.join(path.resolve(ortPrefix), 'package.json'));
const ort = require('onnxruntime-node');

const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
const m = manifest.models.find((x) => x.name === name);
if (!m) {
  console.error(`no model ${name} in ${dir}/manifest.json`);
  process.exit(1);
}
const b = fs.readFileSync(path.join(dir, `${name}.input.f32`));
const input = new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
const session = await ort.InferenceSession.create(path.join(dir, `${name}.int8.onnx`), {
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  executionMode: 'sequential',
  graphOptimizationLevel: 'all',
});
const feeds = { input: new ort.Tensor('float32', input, m.input_shape) };
for (let i = 0; i < 3; ++i) await session.run(feeds);
const times = [];
const start = process.hrtime.bigint();
while (times.length < 10 || Number(process.hrtime.bigint() - start) / 1e9 < minSeconds) {
  const t0 = process.hrtime.bigint();
  await session.run(feeds);
  times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  if (times.length >= 1000) break;
}
times.sort((x, y) => x - y);
const at = (q) => times[Math.min(times.length - 1, Math.round(q * (times.length - 1)))];
console.log(`ort ${name} ${at(0.5).toFixed(4)} ${at(0.1).toFixed(4)} ${at(0.9).toFixed(4)} ${times.length}`);
