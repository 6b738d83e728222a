// Runs the models spaceevo-onnx-check exported into DIR on ONNX Runtime and
// compares them with our outputs (docs/onnx.md):
//  * NAME.int8.onnx (float in, float out) on NAME.input.f32 against our
//    INT8 output NAME.ours.u8, in quantization steps of the output tensor;
//  * NAME.int8-u8.onnx (uint8 in and out) on our quantized input
//    NAME.input.u8, the same comparison without the input's QuantizeLinear;
//  * NAME.fp32.onnx against our FP32 output NAME.fp32.f32, relative to the
//    output's largest magnitude.
//  * NAME.int8-ops.onnx: every op alone on our intermediate tensors.
// Fails (exit 1) when an op alone differs from ours by more than one step
// (for a table activation: the table's largest jump between neighbouring
// entries, what one step before it becomes) or on more than 0.1 % of its
// elements; when the whole network's difference to ours (energy of the
// dequantized outputs) is not below half our INT8-vs-FP32 error (one-step
// differences compound through a deep network, docs/onnx.md); or when the
// FP32 error exceeds --fp32-tolerance (default 1e-4 of the largest output).
//
// usage: node ort-crosscheck.mjs DIR ORT_PREFIX [--fp32-tolerance X]
//        [--optimized]   (also writes ONNX Runtime's optimized INT8 graph)
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const args = process.argv.slice(2);
if (args.length < 2) {
  console.error('usage: node ort-crosscheck.mjs DIR ORT_PREFIX [--fp32-tolerance X] [--optimized]');
  process.exit(2);
}
const [dir, ortPrefix] = args;
let fp32Tolerance = 1e-4;
const writeOptimized = args.includes('--optimized');
const t = args.indexOf('--fp32-tolerance');
if (t >= 0) fp32Tolerance = Number(args[t + 1]);

const require = createRequire(path.join(path.resolve(ortPrefix), 'package.json'));
const ort = require('onnxruntime-node');

const sessionOptions = (extra = {}) => ({
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  executionMode: 'sequential',
  graphOptimizationLevel: 'all',
  ...extra,
});

const read = (file, Type) => {
  const b = fs.readFileSync(path.join(dir, file));
  return new Type(b.buffer, b.byteOffset, b.byteLength / Type.BYTES_PER_ELEMENT);
};

/// Differences in quantization steps between two uint8 tensors.
function compareSteps(ortQ, ours) {
  if (ortQ.length !== ours.length)
    throw new Error(`output sizes differ: ${ortQ.length} vs ${ours.length}`);
  let mismatches = 0, maxSteps = 0, firstAt = -1;
  for (let i = 0; i < ours.length; ++i) {
    const d = Math.abs(ortQ[i] - ours[i]);
    if (d !== 0) {
      ++mismatches;
      if (firstAt < 0) firstAt = i;
    }
    if (d > maxSteps) maxSteps = d;
  }
  return { mismatches, maxSteps, firstAt, elements: ours.length };
}

const okInt8 = (c, steps = 1) => c.maxSteps <= steps && c.mismatches <= 0.001 * c.elements;

/// ||a - b||^2 / ||ref||^2 over float arrays.
function energy(a, b, ref) {
  let num = 0, den = 0;
  for (let i = 0; i < ref.length; ++i) {
    num += (a[i] - b[i]) ** 2;
    den += ref[i] ** 2;
  }
  return num / Math.max(den, 1e-30);
}

const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
let failed = false;
const total = { int8: [0, 0], u8: [0, 0] };
const perKind = {};
for (const m of manifest.models) {
  const input = read(`${m.name}.input.f32`, Float32Array);
  const inputQ = read(`${m.name}.input.u8`, Uint8Array);
  const ours = read(`${m.name}.ours.u8`, Uint8Array);
  const oursFloat = read(`${m.name}.fp32.f32`, Float32Array);

  // INT8, float interface: recover the uint8 output from the dequantized
  // float (exact: (q - zp) * scale in float32, q an integer in [0, 255]).
  const extra = writeOptimized
    ? { optimizedModelFilePath: path.join(dir, `${m.name}.ort-optimized.onnx`) }
    : {};
  const int8 = await ort.InferenceSession.create(path.join(dir, `${m.name}.int8.onnx`), sessionOptions(extra));
  const out = (await int8.run({ input: new ort.Tensor('float32', input, m.input_shape) })).output.data;
  const ortQ = Uint8Array.from(out, (v) => Math.round(v / m.output_scale) + m.output_zero_point);
  const c8 = compareSteps(ortQ, ours);

  // INT8, uint8 interface, on our quantized input.
  const u8 = await ort.InferenceSession.create(path.join(dir, `${m.name}.int8-u8.onnx`), sessionOptions());
  const outU8 = (await u8.run({ input: new ort.Tensor('uint8', inputQ, m.input_shape) })).output.data;
  const cu = compareSteps(outU8, ours);

  // FP32.
  const fp32 = await ort.InferenceSession.create(path.join(dir, `${m.name}.fp32.onnx`), sessionOptions());
  const outF = (await fp32.run({ input: new ort.Tensor('float32', input, m.input_shape) })).output.data;
  let maxRef = 0, maxErr = 0;
  for (let i = 0; i < oursFloat.length; ++i) {
    maxRef = Math.max(maxRef, Math.abs(oursFloat[i]));
    maxErr = Math.max(maxErr, Math.abs(outF[i] - oursFloat[i]));
  }
  const relErr = maxErr / Math.max(maxRef, 1e-30);

  // Every op alone on our intermediate tensors (ExportOptions::isolateOps).
  const opsData = read(`${m.name}.ops.u8`, Uint8Array);
  const iso = await ort.InferenceSession.create(path.join(dir, `${m.name}.int8-ops.onnx`), sessionOptions());
  const opIndex = new Map(iso.outputNames.map((n, i) => [n, i]));
  const opTensor = (i) => {
    const o = m.op_outputs[i];
    return opsData.subarray(o.offset, o.offset + o.elements);
  };
  const feeds = { input: new ort.Tensor('uint8', inputQ, m.input_shape) };
  for (const name of iso.inputNames) {
    if (name === 'input') continue;
    const i = opIndex.get(name.replace(/_in$/, '_q'));
    const shape = iso.inputMetadata?.find?.((x) => x.name === name)?.shape;
    const data = opTensor(i);
    feeds[name] = new ort.Tensor('uint8', data, shape ?? [data.length]);
  }
  const isoOut = await iso.run(feeds);
  let isoWorst = { mismatches: 0, elements: 0, maxSteps: 0 }, isoOk = true;
  for (const [name, i] of opIndex) {
    const c = compareSteps(isoOut[name].data, opTensor(i));
    const k = `${m.op_outputs[i].kind}/${m.op_outputs[i].act}`;
    const agg = (perKind[k] ??= { ops: 0, mismatches: 0, elements: 0, maxSteps: 0, worstFraction: 0 });
    agg.ops += 1; agg.mismatches += c.mismatches; agg.elements += c.elements;
    agg.maxSteps = Math.max(agg.maxSteps, c.maxSteps);
    agg.worstFraction = Math.max(agg.worstFraction, c.mismatches / c.elements);
    isoWorst.mismatches += c.mismatches; isoWorst.elements += c.elements;
    isoWorst.maxSteps = Math.max(isoWorst.maxSteps, c.maxSteps);
    if (!okInt8(c, m.op_outputs[i].step_tolerance)) {
      isoOk = false;
      console.log(`  op ${name} (${k}): ${c.mismatches}/${c.elements} differ, max ${c.maxSteps}`);
    }
  }

  // End to end, differences compound (docs/onnx.md): ONNX Runtime's output
  // must be closer to ours than our INT8 output is to FP32.
  const deq = (q) => Float32Array.from(q, (v) => (v - m.output_zero_point) * m.output_scale);
  const oursDeq = deq(ours);
  const runtimeNoise = energy(out, oursDeq, oursFloat);
  const quantNoise = energy(oursDeq, oursFloat, oursFloat);
  const endToEndOk = runtimeNoise <= 0.5 * quantNoise;

  const ok = isoOk && endToEndOk && outF.length === oursFloat.length && relErr <= fp32Tolerance;
  failed ||= !ok;
  total.int8[0] += c8.mismatches; total.int8[1] += c8.elements;
  total.u8[0] += cu.mismatches; total.u8[1] += cu.elements;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${m.name} (${m.ops} ops): ` +
    `int8 ${c8.mismatches}/${c8.elements} elements differ, max ${c8.maxSteps} step(s); ` +
    `uint8-interface ${cu.mismatches}/${cu.elements}, max ${cu.maxSteps}; ` +
    `ops alone ${isoWorst.mismatches}/${isoWorst.elements}, max ${isoWorst.maxSteps}; ` +
    `energy ORT-vs-ours ${runtimeNoise.toExponential(2)} vs INT8-vs-FP32 ${quantNoise.toExponential(2)}; ` +
    `fp32 max error ${relErr.toExponential(2)} of max |output| ${maxRef.toPrecision(4)}`);
}
console.log(`total: int8 ${total.int8[0]}/${total.int8[1]} elements differ, ` +
  `uint8-interface ${total.u8[0]}/${total.u8[1]}; onnxruntime-node ${ort.env.versions?.common ?? ''}`);
for (const [k, a] of Object.entries(perKind).sort())
  console.log(`  ops alone, ${k}: ${a.ops} ops, ${a.mismatches}/${a.elements} elements differ ` +
    `(${(100 * a.mismatches / a.elements).toFixed(4)} %, worst op ${(100 * a.worstFraction).toFixed(3)} %), max ${a.maxSteps} step(s)`);
process.exit(failed ? 1 : 0);
