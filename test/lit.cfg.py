# lit configuration for spaceevo's FileCheck tests.
import os
import lit.formats

config.name = "spaceevo"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".mlir"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.spaceevo_obj_root, "test")
config.excludes = ["Inputs", "unit", "CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py"]

# Our tools first, then LLVM's (FileCheck, not, count, mlir-opt).
config.environment["PATH"] = os.pathsep.join(
    [config.spaceevo_tools_dir, config.llvm_tools_dir, config.environment.get("PATH", os.environ["PATH"])])

config.substitutions.append(("%spaces", os.path.join(config.spaceevo_src_root, "spaces")))
config.substitutions.append(("%block_lut", config.block_lut_dir))
config.substitutions.append(("%python", config.python_executable))

# Tests that read SpaceEvo's published tables need them beside the checkout.
if os.path.isdir(os.path.join(config.block_lut_dir, "onnxw")):
    config.available_features.add("block-lut")

# ONNX models are checked with onnx.checker (Debian python3-onnx).
import subprocess
if subprocess.run([config.python_executable, "-c", "import onnx"],
                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0:
    config.available_features.add("python-onnx")
