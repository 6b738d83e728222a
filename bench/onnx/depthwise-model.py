#!/usr/bin/env python3
"""Writes an ONNX model of LAYERS chained INT8 depthwise convolutions
(QLinearConv, group = channels, u8 activations, s8 per-channel weights,
int32 bias), for timing ONNX Runtime on one depthwise shape: the per-layer
time is the difference between a LAYERS-layer and a 1-layer model, which
cancels the session's call overhead.

  depthwise-model.py OUT.onnx CHANNELS SIZE KERNEL STRIDE LAYERS

Stride-2 layers shrink the map, so LAYERS > 1 needs STRIDE 1."""
import random
import sys

from onnx import TensorProto, checker, helper, save


def main():
    if len(sys.argv) != 7:
        sys.exit(__doc__)
    out = sys.argv[1]
    channels, size, kernel, stride, layers = (int(a) for a in sys.argv[2:])
    if layers > 1 and stride != 1:
        sys.exit("depthwise-model.py: several layers need stride 1")
    rng = random.Random(0)
    inits = [
        helper.make_tensor("x_scale", TensorProto.FLOAT, [], [0.05]),
        helper.make_tensor("x_zero", TensorProto.UINT8, [], [128]),
        helper.make_tensor("w_scale", TensorProto.FLOAT, [channels],
                           [0.01 + 0.001 * (c % 7) for c in range(channels)]),
        helper.make_tensor("w_zero", TensorProto.INT8, [channels], [0] * channels),
    ]
    nodes = []
    previous = "x"
    for layer in range(layers):
        weights, bias = f"w{layer}", f"b{layer}"
        inits.append(helper.make_tensor(
            weights, TensorProto.INT8, [channels, 1, kernel, kernel],
            [rng.randint(-127, 127) for _ in range(channels * kernel * kernel)]))
        inits.append(helper.make_tensor(
            bias, TensorProto.INT32, [channels],
            [rng.randint(-2000, 2000) for _ in range(channels)]))
        output = "y" if layer == layers - 1 else f"y{layer}"
        nodes.append(helper.make_node(
            "QLinearConv",
            [previous, "x_scale", "x_zero", weights, "w_scale", "w_zero",
             "x_scale", "x_zero", bias],
            [output], group=channels, kernel_shape=[kernel, kernel],
            pads=[kernel // 2] * 4, strides=[stride, stride]))
        previous = output
    out_size = (size + stride - 1) // stride
    graph = helper.make_graph(
        nodes, "depthwise",
        [helper.make_tensor_value_info("x", TensorProto.UINT8, [1, channels, size, size])],
        [helper.make_tensor_value_info("y", TensorProto.UINT8,
                                       [1, channels, out_size, out_size])],
        inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    checker.check_model(model)
    save(model, out)


if __name__ == "__main__":
    main()
