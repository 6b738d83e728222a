#!/usr/bin/env python3
"""Prints the SE_PIPE_* / SE_PIPELINED_SR / SE_PIPELINED_DR macros of VnniKernels.cpp
(the pipelined 6x64 1x1 K loop). Not run by the build: after changing it,
paste its output over those macros. Offsets are VnniGemmKernel's kPipe*
context layout and the 768-byte per-group constant blocks of VnniRequant."""
# Generates the pipelined 6x64 K-loop body (two K steps + one pixel of the
# previous tile's epilogue) as C string literal lines.
def ksteps(off_w, off_x):
    L = []
    for i in range(4):
        L.append(f"vmovdqa64 {off_w + 64*i}(%[w]), %%zmm{28+i}")
    for p in range(6):
        L.append(f"vpbroadcastd {off_x}(%[x{p}]), %%zmm24")
        for v in range(4):
            L.append(f"vpdpbusd %%zmm{28+v}, %%zmm24, %%zmm{4*p+v}")
    return L
def unit(dr):
    L = []
    for g in range(4):
        c = 768*g
        L.append(f"vmovdqa64 {64*g}(%[pa]), %%zmm25")
        L.append("vpsrlq $32, %%zmm25, %%zmm26")
        L.append(f"vpmuldq {c+256}(%[ctx]), %%zmm25, %%zmm25")
        L.append(f"vpmuldq {c+320}(%[ctx]), %%zmm26, %%zmm26")
        if dr:
            L.append("vpmovq2m %%zmm25, %%k2")
            L.append("vpmovq2m %%zmm26, %%k3")
            L.append(f"vpaddq {c+384}(%[ctx]), %%zmm25, %%zmm25")
            L.append(f"vpaddq {c+448}(%[ctx]), %%zmm26, %%zmm26")
            L.append(f"vpsubq {c+640}(%[ctx]), %%zmm25, %%zmm25%{{%%k2%}}")
            L.append(f"vpsubq {c+704}(%[ctx]), %%zmm26, %%zmm26%{{%%k3%}}")
            L.append("vpshufd $0xb1, %%zmm25, %%zmm26%{%%k1%}")
        else:
            # Single rounding (shifts >= 33): the rounding term's high dword
            # (field 10, roundHigh) is added after the merge, in 32 bits.
            L.append("vpshufd $0xb1, %%zmm25, %%zmm26%{%%k1%}")
            L.append(f"vpaddd {c+640}(%[ctx]), %%zmm26, %%zmm26")
        L.append(f"vpsravd {c+192}(%[ctx]), %%zmm26, %%zmm26")
        L.append(f"vmovdqa64 %%zmm26, {3392+64*g}(%[ctx])")
    return L
def pack():
    L = ["vmovdqa64 3392(%[ctx]), %%zmm25",
          "vpackssdw 3456(%[ctx]), %%zmm25, %%zmm25",
          "vmovdqa64 3520(%[ctx]), %%zmm26",
          "vpackssdw 3584(%[ctx]), %%zmm26, %%zmm26",
          "vpackuswb %%zmm26, %%zmm25, %%zmm25",
          "vmovdqa64 3072(%[ctx]), %%zmm27",
          "vpermd %%zmm25, %%zmm27, %%zmm25",
          "vpmaxub 3136(%[ctx]), %%zmm25, %%zmm25",
          "vpminub 3200(%[ctx]), %%zmm25, %%zmm25",
          "vmovdqu64 %%zmm25, (%[o])",
          "add $256, %[pa]",
          "add 3328(%[ctx]), %[o]",
          "dec %[units]"]
    return L
def head():
    L = ["kmovw 3264(%[ctx]), %%k1"]
    for i in range(24):
        L.append(f"vmovdqu64 {768*(i % 4)}(%[ctx]), %%zmm{i}")
    L.append("1:")
    return L
def body():
    return ksteps(0, 0) + ksteps(256, 4) + ["test %[units], %[units]", "jz 2f"]
def tail():
    L = ["2:"] + [f"add $8, %[x{p}]" for p in range(6)]
    L += ["add $512, %[w]", "dec %[n]", "jnz 1b"]
    for i in range(24):
        L.append(f"vmovdqa64 %%zmm{i}, {64*i}(%[cur])")
    return L
def emit(name, lines):
    print(f"#define {name} \\")
    for j, l in enumerate(lines):
        end = " \\" if j + 1 < len(lines) else ""
        print(f'  "{l}\\n\\t"{end}')
    print()
emit("SE_PIPE_HEAD", head())
emit("SE_PIPE_KSTEPS", body())
emit("SE_PIPE_SCALE_SR", unit(False))
emit("SE_PIPE_SCALE_DR", unit(True))
emit("SE_PIPE_PACK", pack())
emit("SE_PIPE_TAIL", tail())
print("#define SE_PIPELINED_SR SE_PIPE_HEAD SE_PIPE_KSTEPS SE_PIPE_SCALE_SR SE_PIPE_PACK SE_PIPE_TAIL")
print("#define SE_PIPELINED_DR SE_PIPE_HEAD SE_PIPE_KSTEPS SE_PIPE_SCALE_DR SE_PIPE_PACK SE_PIPE_TAIL")
