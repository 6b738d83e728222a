// SpaceEvo's `mobilew` hyperspace: the operator pool searched for mobile CPUs
// (INT8 through TFLite on Pixel 4). Block digits and window digits of a space
// encoding index the candidates and width windows below; stages 1-6 are
// searched, the stem (stem + stage 0) and head are fixed.
spaceevo.hyperspace @mobilew resolutions [160, 176, 192, 208, 224] {
  spaceevo.stem kernel 3 stride 2 widths [16, 24, 32] act relu
  spaceevo.stage 0 fixed stride 1 widths [16, 24, 32] step 8 window 3 depths [1, 2] {
    spaceevo.candidate 0 = mbv2 kernels [3] expands [1] act relu
  }
  spaceevo.stage 1 stride 2 widths [24, 32, 40] step 8 window 2 depths [2, 3, 4] {
    spaceevo.candidate 0 = mbv1_dual kernels [3, 5, 7]
    spaceevo.candidate 1 = mbv2_res kernels [3, 5, 7] expands [3, 6, 8]
    spaceevo.candidate 2 = mbv3_res_swish kernels [3, 5, 7] expands [3, 6, 8]
    spaceevo.candidate 3 = resnet kernels [3, 5] expands [0.5, 1, 1.5]
    spaceevo.candidate 4 = fused_mbconv_se kernels [3, 5, 7] expands [1, 2, 3, 4]
    spaceevo.candidate 5 = mbv3_k3_res kernels [3, 5, 7] expands [3, 6, 8]
    spaceevo.candidate 6 = mbv2_k3_res kernels [3, 5, 7] expands [3, 6, 8]
  }
  spaceevo.stage 2 stride 2 widths [24, 32, 40, 48, 56, 64, 72] step 8 window 2 depths [2, 3, 4] {
    spaceevo.candidate 0 = mbv1_dual kernels [3, 5, 7]
    spaceevo.candidate 1 = mbv2_res kernels [3, 5, 7] expands [3, 6, 8]
    spaceevo.candidate 2 = mbv3_res_swish kernels [3, 5, 7] expands [3, 6, 8]
    spaceevo.candidate 3 = resnet kernels [3, 5] expands [0.5, 1, 1.5]
    spaceevo.candidate 4 = fused_mbconv_se kernels [3, 5, 7] expands [1, 2, 3, 4]
    spaceevo.candidate 5 = mbv3_k3_res kernels [3, 5, 7] expands [3, 6, 8]
    spaceevo.candidate 6 = mbv2_k3_res kernels [3, 5, 7] expands [3, 6, 8]
  }
  spaceevo.stage 3 stride 2 widths [56, 64, 72, 80, 88, 96, 104, 112] step 8 window 3 depths [2, 3, 4, 5, 6] {
    spaceevo.candidate 0 = mbv1_dual kernels [3, 5, 7]
    spaceevo.candidate 1 = mbv2_res kernels [3, 5, 7] expands [3, 6, 8]
    spaceevo.candidate 2 = mbv3_res_swish kernels [3, 5, 7] expands [3, 6, 8]
    spaceevo.candidate 3 = resnet kernels [3, 5] expands [0.5, 1, 1.5]
    spaceevo.candidate 4 = fused_mbconv_se kernels [3, 5, 7] expands [1, 2, 3, 4]
    spaceevo.candidate 5 = mbv3_k3_res kernels [3, 5, 7] expands [3, 6, 8]
    spaceevo.candidate 6 = mbv2_k3_res kernels [3, 5, 7] expands [3, 6, 8]
  }
  spaceevo.stage 4 stride 1 widths [112, 120, 128, 136, 144, 152, 160, 168, 176] step 8 window 3 depths [2, 3, 4, 5, 6, 7, 8] {
    spaceevo.candidate 0 = mbv1_dual kernels [3, 5, 7]
    spaceevo.candidate 1 = mbv2_res kernels [3, 5, 7] expands [3, 6, 8]
    spaceevo.candidate 2 = mbv3_res_swish kernels [3, 5, 7] expands [3, 6, 8]
    spaceevo.candidate 3 = resnet kernels [3, 5] expands [0.5, 1, 1.5]
    spaceevo.candidate 4 = fused_mbconv_se kernels [3, 5, 7] expands [1, 2, 3, 4]
    spaceevo.candidate 5 = mbv3_k3_res kernels [3, 5, 7] expands [3, 6, 8]
    spaceevo.candidate 6 = mbv2_k3_res kernels [3, 5, 7] expands [3, 6, 8]
  }
  spaceevo.stage 5 stride 2 widths [192, 200, 208, 216, 224, 240, 256, 272, 288] window 5 depths [2, 3, 4, 5, 6, 7, 8] {
    spaceevo.candidate 0 = mbv1_dual kernels [3, 5, 7]
    spaceevo.candidate 1 = mbv2_res kernels [3, 5, 7] expands [3, 6, 8]
    spaceevo.candidate 2 = mbv3_res_swish kernels [3, 5, 7] expands [3, 6, 8]
    spaceevo.candidate 3 = resnet kernels [3, 5] expands [0.5, 1, 1.5]
    spaceevo.candidate 4 = fused_mbconv_se kernels [3, 5, 7] expands [1, 2, 3, 4]
    spaceevo.candidate 5 = mbv3_k3_res kernels [3, 5, 7] expands [3, 6, 8]
    spaceevo.candidate 6 = mbv2_k3_res kernels [3, 5, 7] expands [3, 6, 8]
  }
  spaceevo.stage 6 stride 1 widths [216, 232, 248, 264, 280, 296, 312, 328, 344, 360] step 16 window 7 depths [1, 2] {
    spaceevo.candidate 0 = mbv1_dual kernels [3, 5, 7]
    spaceevo.candidate 1 = mbv2_res kernels [3, 5, 7] expands [3, 6, 8]
    spaceevo.candidate 2 = mbv3_res_swish kernels [3, 5, 7] expands [3, 6, 8]
    spaceevo.candidate 3 = resnet kernels [3, 5] expands [0.5, 1, 1.5]
    spaceevo.candidate 4 = fused_mbconv_se kernels [3, 5, 7] expands [1, 2, 3, 4]
    spaceevo.candidate 5 = mbv3_k3_res kernels [3, 5, 7] expands [3, 6, 8]
    spaceevo.candidate 6 = mbv2_k3_res kernels [3, 5, 7] expands [3, 6, 8]
  }
  spaceevo.head final_expand 1280 feature_mix 1920 classes 1000 act swish
}
