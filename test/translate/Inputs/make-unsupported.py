"""Writes a tiny FP32 ONNX model with an operator spaceevo does not import
(Conv then LSTM-free Tanh), for the importer's error test."""
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

weights = numpy_helper.from_array(np.ones((4, 3, 1, 1), np.float32), "w")
graph = helper.make_graph(
    [helper.make_node("Conv", ["x", "w"], ["y"], name="conv0"),
     helper.make_node("Tanh", ["y"], ["z"], name="squash")],
    "unsupported",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])],
    [helper.make_tensor_value_info("z", TensorProto.FLOAT, [1, 4, 8, 8])],
    [weights])
onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), sys.argv[1])
