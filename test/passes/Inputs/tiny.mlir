// A two-stage hyperspace with hand-made block tables (tiny-tables/), small
// enough to score by hand: every table has one row per resolution, so each
// space is a single subnet per resolution.
spaceevo.hyperspace @tiny resolutions [160, 192, 224] {
  spaceevo.stem kernel 3 stride 2 widths [16] act relu
  spaceevo.stage 0 fixed stride 1 widths [16] window 1 depths [1] {
    spaceevo.candidate 0 = mbv2 kernels [3] expands [1] act relu
  }
  spaceevo.stage 1 stride 2 widths [16, 24, 32] step 8 window 2 depths [1] {
    spaceevo.candidate 0 = mbv1_dual kernels [3]
    spaceevo.candidate 1 = mbv2_res kernels [3] expands [4]
  }
  spaceevo.stage 2 stride 1 widths [32, 40, 48] step 8 window 2 depths [1] {
    spaceevo.candidate 0 = mbv1_dual kernels [3]
    spaceevo.candidate 1 = mbv2_res kernels [3] expands [4]
  }
  spaceevo.head final_expand 64 feature_mix 64 classes 10 act relu
}
