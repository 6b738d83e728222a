// SpaceEvo's `onnxw` hyperspace: the operator pool searched for CPUs with
// AVX-512 VNNI (INT8 inference through ONNX Runtime). Block digits and
// window digits of a space encoding index the candidates and width windows
// below; stages 1-6 are searched, the stem (stem + stage 0) and head are
// fixed.
spaceevo.hyperspace @onnxw resolutions [160, 176, 192, 208, 224] {
  spaceevo.stem kernel 3 stride 2 widths [16, 32] act relu
  spaceevo.stage 0 fixed stride 1 widths [16, 32] step 16 window 2 depths [1, 2] {
    spaceevo.candidate 0 = resnet kernels [3] expands [0.5] act relu
  }
  spaceevo.stage 1 stride 2 widths [32, 48, 64] step 16 window 2 depths [2, 3, 4] {
    spaceevo.candidate 0 = mbv1_dual kernels [3, 5]
    spaceevo.candidate 1 = mbv2_res kernels [3, 5] expands [4, 6, 8]
    spaceevo.candidate 2 = mbv3_res_hswish kernels [3, 5] expands [4, 6, 8]
    spaceevo.candidate 3 = resnet kernels [3, 5, 7] expands [0.5, 1, 1.5]
    spaceevo.candidate 4 = resnet_se kernels [3, 5, 7] expands [0.5, 1, 1.5]
    spaceevo.candidate 5 = fused_mbconv kernels [3, 5, 7] expands [1, 2, 3, 4]
  }
  spaceevo.stage 2 stride 2 widths [32, 48, 64, 80, 96] step 16 window 2 depths [2, 3, 4] {
    spaceevo.candidate 0 = mbv1_dual kernels [3, 5]
    spaceevo.candidate 1 = mbv2_res kernels [3, 5] expands [4, 6, 8]
    spaceevo.candidate 2 = mbv3_res_hswish kernels [3, 5] expands [4, 6, 8]
    spaceevo.candidate 3 = resnet kernels [3, 5, 7] expands [0.5, 1, 1.5]
    spaceevo.candidate 4 = resnet_se kernels [3, 5, 7] expands [0.5, 1, 1.5]
    spaceevo.candidate 5 = fused_mbconv kernels [3, 5, 7] expands [1, 2, 3, 4]
  }
  spaceevo.stage 3 stride 2 widths [64, 80, 96, 112, 128, 144] step 16 window 3 depths [2, 3, 4, 5, 6] {
    spaceevo.candidate 0 = mbv1_dual kernels [3, 5]
    spaceevo.candidate 1 = mbv2_res kernels [3, 5] expands [4, 6, 8]
    spaceevo.candidate 2 = mbv3_res_hswish kernels [3, 5] expands [4, 6, 8]
    spaceevo.candidate 3 = resnet kernels [3, 5, 7] expands [0.5, 1, 1.5]
    spaceevo.candidate 4 = resnet_se kernels [3, 5, 7] expands [0.5, 1, 1.5]
    spaceevo.candidate 5 = fused_mbconv kernels [3, 5, 7] expands [1, 2, 3, 4]
  }
  spaceevo.stage 4 stride 1 widths [112, 128, 144, 160, 176, 192] step 16 window 3 depths [2, 3, 4, 5, 6] {
    spaceevo.candidate 0 = mbv1_dual kernels [3, 5]
    spaceevo.candidate 1 = mbv2_res kernels [3, 5] expands [4, 6, 8]
    spaceevo.candidate 2 = mbv3_res_hswish kernels [3, 5] expands [4, 6, 8]
    spaceevo.candidate 3 = resnet kernels [3, 5, 7] expands [0.5, 1, 1.5]
    spaceevo.candidate 4 = resnet_se kernels [3, 5, 7] expands [0.5, 1, 1.5]
    spaceevo.candidate 5 = fused_mbconv kernels [3, 5, 7] expands [1, 2, 3, 4]
  }
  spaceevo.stage 5 stride 2 widths [192, 208, 224, 240, 256, 272, 288, 304] step 16 window 5 depths [2, 3, 4, 5, 6] {
    spaceevo.candidate 0 = mbv1_dual kernels [3, 5]
    spaceevo.candidate 1 = mbv2_res kernels [3, 5] expands [4, 6, 8]
    spaceevo.candidate 2 = mbv3_res_hswish kernels [3, 5] expands [4, 6, 8]
    spaceevo.candidate 3 = resnet kernels [3, 5, 7] expands [0.5, 1, 1.5]
    spaceevo.candidate 4 = resnet_se kernels [3, 5, 7] expands [0.5, 1, 1.5]
    spaceevo.candidate 5 = fused_mbconv kernels [3, 5, 7] expands [1, 2, 3, 4]
  }
  spaceevo.stage 6 stride 1 widths [304, 320, 336, 352, 368, 384, 400, 416, 432, 448] step 16 window 7 depths [1, 2] {
    spaceevo.candidate 0 = mbv1_dual kernels [3, 5]
    spaceevo.candidate 1 = mbv2_res kernels [3, 5] expands [4, 6, 8]
    spaceevo.candidate 2 = mbv3_res_hswish kernels [3, 5] expands [4, 6, 8]
    spaceevo.candidate 3 = resnet kernels [3, 5, 7] expands [0.5, 1, 1.5]
    spaceevo.candidate 4 = resnet_se kernels [3, 5, 7] expands [0.5, 1, 1.5]
    spaceevo.candidate 5 = fused_mbconv kernels [3, 5, 7] expands [1, 2, 3, 4]
  }
  spaceevo.head final_expand 1280 feature_mix 1920 classes 1000 act hswish
}
