spaceevo.hyperspace @small resolutions [32] {
  spaceevo.stem kernel 3 stride 2 widths [8] act relu
  spaceevo.stage 0 fixed stride 1 widths [8] window 1 depths [1] {
    spaceevo.candidate 0 = mbv2 kernels [3] expands [1] act relu
  }
  spaceevo.stage 1 stride 2 widths [16] window 1 depths [1] {
    spaceevo.candidate 0 = mbv3_res_hswish kernels [3] expands [4]
    spaceevo.candidate 1 = resnet kernels [5] expands [1]
  }
  spaceevo.head final_expand 32 feature_mix 48 classes 10 act hswish
}
spaceevo.network @net of @small resolution 32 stem 8 {
  spaceevo.layer stage 0 mbv2 kernel 3 width 8 expand 1 stride 1
  spaceevo.layer stage 1 mbv3_res_hswish kernel 3 width 16 expand 4 stride 2
}
spaceevo.substage @resnet_row of @small stage 1 channels 8 size 16 {
  spaceevo.layer stage 1 resnet kernel 5 width 16 expand 1 stride 2
}
