// Times an ONNX model with one uint8 input "x" on ONNX Runtime (1 intra-op
// thread, sequential, all graph optimizations): 5 warm-up runs, then runs
// until MIN_SECONDS and 20 runs; prints "ort MODEL min_us median_us runs".
//   node ort-layer-time.mjs MODEL ORT_PREFIX SHAPE(e.g. 1,144,56,56) [MIN_SECONDS]
import path from 'node:path';
import { createRequire } from 'node:module';

const [model, ortPrefix, shapeArg, minSecondsArg] = process.argv.slice(2);
if (!shapeArg) {
  console.error('usage: node ort-layer-time.mjs MODEL ORT_PREFIX SHAPE [MIN_SECONDS]');
  process.exit(2);
}
const require = createRequire(path.join(path.resolve(ortPrefix), 'package.json'));
const ort = require('onnxruntime-node');
const shape = shapeArg.split(',').map(Number);
const session = await ort.InferenceSession.create(model, {
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  executionMode: 'sequential',
  graphOptimizationLevel: 'all',
});
const x = new Uint8Array(shape.reduce((a, b) => a * b, 1));
for (let i = 0; i < x.length; ++i) x[i] = (Math.imul(i, 2654435761) >>> 24) & 255;
const feeds = { x: new ort.Tensor('uint8', x, shape) };
for (let i = 0; i < 5; ++i) await session.run(feeds);
const times = [];
const start = process.hrtime.bigint();
const minSeconds = Number(minSecondsArg ?? 1);
while (times.length < 20 || Number(process.hrtime.bigint() - start) / 1e9 < minSeconds) {
  const t0 = process.hrtime.bigint();
  await session.run(feeds);
  times.push(Number(process.hrtime.bigint() - t0) / 1e3);
}
times.sort((a, b) => a - b);
console.log(`ort ${path.basename(model)} ${times[0].toFixed(1)} ${times[times.length >> 1].toFixed(1)} ${times.length}`);
