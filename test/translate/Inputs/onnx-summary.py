"""Prints what a lit test checks about an ONNX model: onnx.checker's verdict,
the opset, the inputs/outputs with their types, and the node types in order
of first appearance with their counts."""
import sys
from collections import Counter

import onnx

model = onnx.load(sys.argv[1])
onnx.checker.check_model(model, full_check=True)
print("checker: ok")
print("opset:", max(o.version for o in model.opset_import if o.domain in ("", "ai.onnx")))
def describe(value):
    t = value.type.tensor_type
    dims = "x".join(str(d.dim_value) for d in t.shape.dim)
    return f"{value.name}: {onnx.TensorProto.DataType.Name(t.elem_type)} {dims}"
for value in model.graph.input:
    print("input", describe(value))
for value in model.graph.output:
    print("output", describe(value))
counts = Counter(node.op_type for node in model.graph.node)
print("nodes:", " ".join(f"{op}={counts[op]}" for op in sorted(counts)))
weights = Counter(onnx.TensorProto.DataType.Name(t.data_type) for t in model.graph.initializer)
print("initializers:", " ".join(f"{k}={weights[k]}" for k in sorted(weights)))
